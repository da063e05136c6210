package gatehouse.vault;

import static gatehouse.vault.GitHubOAuthPlatformTest.assertKind;
import static gatehouse.vault.GitHubOAuthPlatformTest.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import gatehouse.testing.MutableClock;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitHubAppPlatformTest {
    private static final String SETUP_URL = "https://gatehouse.example/oauth/callback/github";

    private final MutableClock clock = MutableClock.startingNow();
    private final ProviderHttp http = new ProviderHttp();
    private FakeGitHub github;
    private GitHubAppPlatform platform;

    @BeforeEach
    void start() {
        github = FakeGitHub.start(clock).registerSetupUrl(SETUP_URL).registerCallback(SETUP_URL)
                .installOn(42, "acme", "Organization");
        platform = new GitHubAppPlatform(github.appSettings(), http, clock);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void authorizeUrlIsTheAppsInstallPageCarryingOnlyState() {
        URI url = platform.authorizeUrl("state-1", SETUP_URL, null);

        assertThat(url.toString()).isEqualTo(github.webUrl() + "/apps/" + FakeGitHub.APP_SLUG + "/installations/new?state=state-1");
        assertThat(platform.usesPkce()).isFalse();
        assertThat(platform.kind()).isEqualTo("app");
        assertThat(platform.name()).isEqualTo("github");
    }

    @Test
    void completeVerifiesTheInstallationAndMintsAnInstallationTokenForItsAccount() throws Exception {
        Map<String, String> callback = install();

        Authorization authorization = platform.complete(callback, SETUP_URL, null);

        assertThat(authorization.accounts()).containsExactly(new ExternalAccount("42", "acme"));
        Credential credential = authorization.credential();
        assertThat(credential.accessToken()).startsWith("ghs_");
        assertThat(credential.refreshToken()).isNull();
        assertThat(credential.expiresAt())
                .isBetween(clock.instant().plus(Duration.ofMinutes(59)), clock.instant().plus(Duration.ofHours(1)));
        assertThat(credential.extra()).containsEntry(GitHubAppPlatform.INSTALLATION_ID, callback.get("installation_id"));
        assertThat(credential.scopes()).containsExactly("contents:read", "issues:write", "metadata:read");
        assertThat(platform.canRefresh(credential)).isTrue();
        assertThat(github.isActiveToken(credential.accessToken())).isTrue();
    }

    @Test
    void anUpdateOfAnExistingInstallationCompletesLikeAnInstall() throws Exception {
        install();
        Map<String, String> callback = install();
        assertThat(callback).containsEntry("setup_action", "update");

        assertThat(platform.complete(callback, SETUP_URL, null).accounts()).containsExactly(new ExternalAccount("42", "acme"));
    }

    @Test
    void anInstallationRequestedFromAnOrgOwnerIsPermanentNoInstallation() {
        github.installRequestsOnly(true);
        Map<String, String> callback = install();
        assertThat(callback).doesNotContainKey("installation_id");

        assertKind(() -> platform.complete(callback, SETUP_URL, null), Kind.PERMANENT, "no_installation");
        assertThat(github.installationTokensMinted()).isZero();
    }

    @Test
    void aRequestCallbackIsRefusedEvenWithAnInstallationId() {
        long id = github.addInstallation(42, "acme", "Organization");

        assertKind(() -> platform.complete(Map.of("installation_id", Long.toString(id), "setup_action", "request"), SETUP_URL, null),
                Kind.PERMANENT, "no_installation");
    }

    @Test
    void aCallbackWithoutTheInstallingUsersCodeIsRefusedWithoutMintingAToken() {
        long id = github.addInstallation(42, "acme", "Organization");

        assertKind(() -> platform.complete(Map.of("installation_id", Long.toString(id), "setup_action", "install"),
                SETUP_URL, null), Kind.PERMANENT, "missing_code");
        assertKind(() -> platform.complete(Map.of("installation_id", "../app", "setup_action", "install", "code", "x"),
                SETUP_URL, null), Kind.PERMANENT, "no_installation");
        assertThat(github.installationTokensMinted()).isZero();
    }

    @Test
    void anInstallationIdTheInstallingUserCannotReachIsRefusedWithoutMintingAToken() {
        long victims = github.addInstallation(7, "victim-corp", "Organization", 7_000);
        Map<String, String> callback = new HashMap<>(install()); // the attacker's own install, own code
        callback.put("installation_id", Long.toString(victims));

        assertKind(() -> platform.complete(callback, SETUP_URL, null), Kind.PERMANENT, "installation_not_accessible");
        assertThat(github.installationTokensMinted()).isZero();
    }

    @Test
    void theInstallingUsersTokenIsRevokedOnceTheInstallationIsProven() throws Exception {
        platform.complete(install(), SETUP_URL, null);

        assertThat(github.revokedTokens()).singleElement().asString().startsWith("ghu_");
    }

    @Test
    void refreshMintsANewInstallationToken() throws Exception {
        Credential first = platform.complete(install(), SETUP_URL, null).credential();
        clock.advance(Duration.ofMinutes(55));

        Credential second = platform.refresh(first);

        assertThat(second.accessToken()).startsWith("ghs_").isNotEqualTo(first.accessToken());
        assertThat(second.expiresAt()).isAfter(first.expiresAt());
        assertThat(second.extra()).isEqualTo(first.extra());
        assertThat(github.installationTokensMinted()).isEqualTo(2);
    }

    @Test
    void refreshAfterTheAppWasUninstalledIsPermanent() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        github.deleteInstallation(Long.parseLong(credential.extra().get(GitHubAppPlatform.INSTALLATION_ID)));

        assertKind(() -> platform.refresh(credential), Kind.PERMANENT, "installation_not_found");
    }

    @Test
    void refreshOfASuspendedInstallationIsPermanent() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        github.suspendInstallation(Long.parseLong(credential.extra().get(GitHubAppPlatform.INSTALLATION_ID)));

        assertKind(() -> platform.refresh(credential), Kind.PERMANENT, "installation_suspended");
    }

    @Test
    void refreshAnsweredWith5xxIsTransient() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        github.failNext(1, 500);

        assertKind(() -> platform.refresh(credential), Kind.TRANSIENT, "http_500");
    }

    @Test
    void refreshAnswered429IsTransientWithRetryAfter() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        github.rateLimitNext(1, 17);

        ProviderException failure = failure(() -> platform.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.retryAfterSeconds()).isEqualTo(17);
    }

    @Test
    void aKeyThatIsNotTheAppsIsAConfigurationError() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        GitHubAppPlatform wrongKey = new GitHubAppPlatform(github.appSettings(FakeGitHub.APP_ID, otherPkcs8Pem()), http, clock);

        assertKind(() -> wrongKey.refresh(credential), Kind.CONFIGURATION, "bad_app_jwt");
    }

    @Test
    void anUnknownAppIdIsAConfigurationErrorNotAnUninstall() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        GitHubAppPlatform wrongApp = new GitHubAppPlatform(github.appSettings("1", FakeGitHub.appPrivateKeyPkcs1Pem()), http, clock);

        assertKind(() -> wrongApp.refresh(credential), Kind.CONFIGURATION, "integration_not_found");
    }

    @Test
    void aPkcs8KeyWorksLikeThePkcs1OneGitHubHandsOut() throws Exception {
        GitHubAppPlatform pkcs8 = new GitHubAppPlatform(github.appSettings(FakeGitHub.APP_ID, FakeGitHub.appPrivateKeyPkcs8Pem()),
                http, clock);

        assertThat(pkcs8.complete(install(), SETUP_URL, null).accounts()).containsExactly(new ExternalAccount("42", "acme"));
    }

    @Test
    void aKeyPastedWithLiteralBackslashNsIsRead() throws Exception {
        String oneLine = FakeGitHub.appPrivateKeyPkcs1Pem().replace("\n", "\\n");
        GitHubAppPlatform pasted = new GitHubAppPlatform(github.appSettings(FakeGitHub.APP_ID, oneLine), http, clock);

        assertThat(pasted.complete(install(), SETUP_URL, null).credential().accessToken()).startsWith("ghs_");
    }

    @Test
    void anUnreadableKeyIsRefusedAtConstructionWithoutQuotingIt() {
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n";

        assertThatThrownBy(() -> new GitHubAppPlatform(github.appSettings(FakeGitHub.APP_ID, pem), http, clock))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("bm90IGEga2V5");
        assertThatThrownBy(() -> new GitHubAppPlatform(github.appSettings(FakeGitHub.APP_ID,
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----"), http, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENCRYPTED");
    }

    @Test
    void theAppJwtIsRs256BackdatedSixtySecondsAndValidNineMinutes() throws Exception {
        SignedJWT jwt = SignedJWT.parse(platform.appJwt());
        long now = clock.instant().getEpochSecond();

        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(FakeGitHub.APP_ID);
        assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant().getEpochSecond()).isEqualTo(now - 60);
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant().getEpochSecond()).isEqualTo(now + 540);
    }

    @Test
    void theAppJwtSurvivesALocalClockThirtySecondsFast() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        GitHubAppPlatform fast = new GitHubAppPlatform(github.appSettings(), http, Clock.offset(clock, Duration.ofSeconds(30)));

        assertThat(fast.refresh(credential).accessToken()).startsWith("ghs_");
    }

    @Test
    void revokeUninstallsTheAppAndAnAlreadyUninstalledAppIsDone() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        long id = Long.parseLong(credential.extra().get(GitHubAppPlatform.INSTALLATION_ID));

        platform.revoke(credential);
        platform.revoke(credential); // 404 now

        assertThat(github.uninstalled()).containsExactly(id);
        assertKind(() -> platform.refresh(credential), Kind.PERMANENT, "installation_not_found");
    }

    @Test
    void revokeDuringAnOutageIsTransient() throws Exception {
        Credential credential = platform.complete(install(), SETUP_URL, null).credential();
        github.failNext(1, 503);

        assertKind(() -> platform.revoke(credential), Kind.TRANSIENT, "http_503");
        assertThat(github.uninstalled()).isEmpty();
    }

    private Map<String, String> install() {
        Map<String, String> callback = github.install(platform.authorizeUrl("state-1", SETUP_URL, null));
        assertThat(callback).containsEntry("state", "state-1");
        return callback;
    }

    private static String otherPkcs8Pem() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
    }
}
