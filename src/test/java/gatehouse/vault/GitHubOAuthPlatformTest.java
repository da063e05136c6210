package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.testing.MutableClock;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitHubOAuthPlatformTest {
    private static final String REDIRECT_URI = "https://gatehouse.example/oauth/callback/github";
    private static final String VERIFIER = "verifier-0123456789-0123456789-0123456789-abcdef";

    private final MutableClock clock = MutableClock.startingNow();
    private final ProviderHttp http = new ProviderHttp();
    private FakeGitHub github;
    private GitHubOAuthPlatform platform;

    @BeforeEach
    void start() {
        github = FakeGitHub.start(clock).registerCallback(REDIRECT_URI);
        github.addOrganization(FakeGitHub.USER_ID, 42, "acme");
        platform = new GitHubOAuthPlatform(github.oauthSettings(List.of("read:org", "repo")), http, clock);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void authorizeUrlCarriesClientIdRedirectSpaceSeparatedScopesStateAndAnS256Challenge() {
        URI url = platform.authorizeUrl("state-1", REDIRECT_URI, "challenge-1");

        assertThat(url.toString()).startsWith(github.webUrl() + "/login/oauth/authorize?");
        assertThat(FakeGitHub.query(url)).containsEntry("client_id", FakeGitHub.CLIENT_ID)
                .containsEntry("redirect_uri", REDIRECT_URI)
                .containsEntry("scope", "read:org repo")
                .containsEntry("state", "state-1")
                .containsEntry("code_challenge", "challenge-1")
                .containsEntry("code_challenge_method", "S256");
        assertThat(platform.usesPkce()).isTrue();
        assertThat(platform.name()).isEqualTo("github");
        assertThat(platform.kind()).isEqualTo("oauth");
    }

    @Test
    void completeExchangesTheCodeForANonExpiringTokenAndNamesTheUserAsTheOnlyAccount() throws Exception {
        Authorization authorization = platform.complete(approve(), REDIRECT_URI, VERIFIER);

        Credential credential = authorization.credential();
        assertThat(credential.accessToken()).startsWith("gho_");
        assertThat(credential.expiresAt()).isNull();
        assertThat(credential.refreshToken()).isNull();
        assertThat(credential.scopes()).containsExactly("read:org", "repo");
        assertThat(platform.canRefresh(credential)).isFalse();
        assertThat(authorization.accounts()).containsExactly(new ExternalAccount("1", "octocat"));
        assertThat(github.isActiveToken(credential.accessToken())).isTrue();
    }

    @Test
    void aCodeIsSingleUse() throws Exception {
        Map<String, String> callback = approve();
        platform.complete(callback, REDIRECT_URI, VERIFIER);

        assertKind(() -> platform.complete(callback, REDIRECT_URI, VERIFIER), Kind.PERMANENT, "bad_verification_code");
    }

    @Test
    void aCodeOlderThanTenMinutesIsPermanentlyRefused() {
        Map<String, String> callback = approve();
        clock.advance(Duration.ofMinutes(11));

        assertKind(() -> platform.complete(callback, REDIRECT_URI, VERIFIER), Kind.PERMANENT, "bad_verification_code");
    }

    @Test
    void aWrongPkceVerifierIsRefused() {
        assertKind(() -> platform.complete(approve(), REDIRECT_URI, "another-verifier-0123456789-0123456789-012345"),
                Kind.PERMANENT, "bad_verification_code");
    }

    @Test
    void aCallbackWithoutCodeIsPermanentAndCallsNobody() {
        assertKind(() -> platform.complete(Map.of("state", "s"), REDIRECT_URI, VERIFIER), Kind.PERMANENT, "missing_code");
        assertThat(github.codeExchanges()).isZero();
    }

    @Test
    void aBadClientSecretIsAConfigurationError() {
        GitHubOAuthPlatform misconfigured = new GitHubOAuthPlatform(new PlatformSettings.GitHubOAuth(
                FakeGitHub.CLIENT_ID, "wrong-secret", List.of("repo"), github.webUrl(), github.apiUrl()), http, clock);

        assertKind(() -> misconfigured.complete(approve(), REDIRECT_URI, VERIFIER), Kind.CONFIGURATION, "incorrect_client_credentials");
    }

    @Test
    void aRedirectUriDifferentFromTheAuthorizeOneIsAConfigurationError() {
        Map<String, String> callback = approve();

        assertKind(() -> platform.complete(callback, REDIRECT_URI + "/other", VERIFIER), Kind.CONFIGURATION, "redirect_uri_mismatch");
    }

    @Test
    void aServerErrorOnTheCodeExchangeIsTransient() {
        Map<String, String> callback = approve();
        github.failNextOn("/login/oauth/access_token", 1, 502);

        assertKind(() -> platform.complete(callback, REDIRECT_URI, VERIFIER), Kind.TRANSIENT, "http_502");
    }

    @Test
    void aServerErrorReadingTheUserIsTransient() {
        Map<String, String> callback = approve();
        github.failNextOn("/user", 1, 500);

        assertKind(() -> platform.complete(callback, REDIRECT_URI, VERIFIER), Kind.TRANSIENT, "http_500");
        assertThat(github.codeExchanges()).isEqualTo(1);
    }

    @Test
    void expiringUserTokensStoreAbsoluteExpiryAndTheirRefreshToken() throws Exception {
        github.expiringUserTokens(true);

        Credential credential = platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();

        assertThat(credential.accessToken()).startsWith("ghu_");
        assertThat(credential.refreshToken()).startsWith("ghr_");
        assertThat(credential.expiresAt()).isEqualTo(clock.instant().plusSeconds(28_800));
        assertThat(platform.canRefresh(credential)).isTrue();
    }

    @Test
    void expiresInSentAsAStringIsUnderstood() throws Exception {
        github.expiringUserTokens(true).expiresInAsString(true);

        Credential credential = platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();

        assertThat(credential.expiresAt()).isEqualTo(clock.instant().plusSeconds(28_800));
    }

    @Test
    void refreshRotatesBothTokensAndKillsTheOldAccessToken() throws Exception {
        Credential first = expiringCredential();
        clock.advance(Duration.ofHours(7));

        Credential second = platform.refresh(first);

        assertThat(second.accessToken()).startsWith("ghu_").isNotEqualTo(first.accessToken());
        assertThat(second.refreshToken()).startsWith("ghr_").isNotEqualTo(first.refreshToken());
        assertThat(second.expiresAt()).isEqualTo(clock.instant().plusSeconds(28_800));
        assertThat(github.isActiveToken(first.accessToken())).isFalse();
        assertThat(github.isActiveToken(second.accessToken())).isTrue();
        assertThat(github.refreshCalls()).isEqualTo(1);
    }

    @Test
    void theSecondUseOfARefreshTokenIsPermanent() throws Exception {
        Credential first = expiringCredential();
        platform.refresh(first);

        assertKind(() -> platform.refresh(first), Kind.PERMANENT, "bad_refresh_token");
        assertThat(github.refreshCalls()).isEqualTo(2);
    }

    @Test
    void aRevokedRefreshTokenIsPermanent() throws Exception {
        Credential credential = expiringCredential();
        github.revokeRefreshToken(credential.refreshToken());

        assertKind(() -> platform.refresh(credential), Kind.PERMANENT, "bad_refresh_token");
    }

    @Test
    void refreshWithABadClientSecretIsAConfigurationError() throws Exception {
        Credential credential = expiringCredential();
        GitHubOAuthPlatform misconfigured = new GitHubOAuthPlatform(new PlatformSettings.GitHubOAuth(
                FakeGitHub.CLIENT_ID, "wrong-secret", List.of(), github.webUrl(), github.apiUrl()), http, clock);

        assertKind(() -> misconfigured.refresh(credential), Kind.CONFIGURATION, "incorrect_client_credentials");
    }

    @Test
    void refreshAnsweredWith5xxIsTransientAndLeavesTheRefreshTokenUsable() throws Exception {
        Credential credential = expiringCredential();
        github.failNext(1, 503);

        assertKind(() -> platform.refresh(credential), Kind.TRANSIENT, "http_503");
        assertThat(platform.refresh(credential).accessToken()).startsWith("ghu_");
    }

    @Test
    void refreshAnswered429IsTransientWithRetryAfter() throws Exception {
        Credential credential = expiringCredential();
        github.rateLimitNext(1, 30);

        ProviderException failure = failure(() -> platform.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.retryAfterSeconds()).isEqualTo(30);
    }

    @Test
    void anExhaustedRateLimitIsTransientUntilItsReset() throws Exception {
        Credential credential = expiringCredential();
        github.exhaustRateLimitNext(1, 120);

        ProviderException failure = failure(() -> platform.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.retryAfterSeconds()).isBetween(119L, 120L);
    }

    @Test
    void refreshThatTimesOutIsTransient() throws Exception {
        Credential credential = expiringCredential();
        github.hangNext(1);
        try {
            assertKind(() -> platform.refresh(credential), Kind.TRANSIENT, "timeout"); // ProviderHttp waits 10 s
        } finally {
            github.heal();
        }
    }

    @Test
    void refreshingANonExpiringTokenIsACallerBug() throws Exception {
        Credential credential = platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();

        assertThatThrownBy(() -> platform.refresh(credential)).isInstanceOf(IllegalStateException.class);
        assertThat(github.refreshCalls()).isZero();
    }

    @Test
    void revokeDeletesTheTokenAtGitHubAndAnAlreadyRevokedTokenIsDone() throws Exception {
        Credential credential = platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();

        platform.revoke(credential);
        platform.revoke(credential); // 404 now: nothing left to revoke

        assertThat(github.revokedTokens()).containsExactly(credential.accessToken());
        assertThat(github.isActiveToken(credential.accessToken())).isFalse();
    }

    @Test
    void revokeWithBadClientCredentialsIsAConfigurationError() throws Exception {
        Credential credential = platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();
        GitHubOAuthPlatform misconfigured = new GitHubOAuthPlatform(new PlatformSettings.GitHubOAuth(
                FakeGitHub.CLIENT_ID, "wrong-secret", List.of(), github.webUrl(), github.apiUrl()), http, clock);

        assertKind(() -> misconfigured.revoke(credential), Kind.CONFIGURATION, "bad_client_credentials");
        assertThat(github.revokedTokens()).isEmpty();
    }

    @Test
    void aFormEncodedTokenAnswerIsReadAsWellAsJson() throws Exception {
        var answer = new ProviderHttp.Answer(200, "access_token=gho_abc&scope=repo%2Cgist&token_type=bearer",
                HttpHeaders.of(Map.of(), (a, b) -> true));

        assertThat(GitHubHttp.tokenFields(answer)).containsEntry("access_token", "gho_abc").containsEntry("scope", "repo,gist");
    }

    @Test
    void noExceptionMessageContainsAToken() throws Exception {
        Credential credential = expiringCredential();
        platform.refresh(credential);

        ProviderException failure = failure(() -> platform.refresh(credential));

        assertThat(failure.getMessage()).doesNotContain(credential.refreshToken()).doesNotContain(credential.accessToken());
        assertThat(credential.toString()).doesNotContain(credential.accessToken());
    }

    private Credential expiringCredential() throws ProviderException {
        github.expiringUserTokens(true);
        return platform.complete(approve(), REDIRECT_URI, VERIFIER).credential();
    }

    private Map<String, String> approve() {
        Map<String, String> callback = new HashMap<>(github.approve(platform.authorizeUrl("state-1", REDIRECT_URI, s256(VERIFIER))));
        assertThat(callback).containsKey("code").containsEntry("state", "state-1");
        return callback;
    }

    private static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface ProviderCall {
        void call() throws ProviderException;
    }

    static ProviderException failure(ProviderCall call) {
        try {
            call.call();
        } catch (ProviderException e) {
            return e;
        }
        throw new AssertionError("expected a ProviderException");
    }

    static void assertKind(ProviderCall call, Kind kind, String providerError) {
        ProviderException failure = failure(call);
        assertThat(failure.kind()).as(failure.getMessage()).isEqualTo(kind);
        assertThat(failure.providerError()).isEqualTo(providerError);
    }
}
