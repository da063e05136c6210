package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gatehouse.testing.MutableClock;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.FakeAtlassian.Site;
import gatehouse.vault.ProviderException.Kind;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JiraPlatform} against {@link FakeAtlassian}: the 3LO wire protocol and how its failures are
 * classified (docs/vault-providers.md, "How failures are classified").
 */
class JiraPlatformTest {
    private static final String REDIRECT_URI = "https://gatehouse.example/oauth/callback/jira";

    private final MutableClock clock = MutableClock.startingNow();
    private final ProviderHttp http = new ProviderHttp();
    private FakeAtlassian atlassian;
    private JiraPlatform jira;

    @BeforeEach
    void start() {
        atlassian = new FakeAtlassian(clock);
        jira = new JiraPlatform(atlassian.settings(), http, clock);
    }

    @AfterEach
    void stop() {
        atlassian.close();
    }

    // ---- identity and authorize URL ----

    @Test
    void isTheJiraOAuthPlatformWithoutPkce() {
        assertThat(jira.name()).isEqualTo("jira");
        assertThat(jira.kind()).isEqualTo("oauth");
        assertThat(jira.usesPkce()).isFalse();
    }

    @Test
    void authorizeUrlCarriesAtlassian3loParameters() {
        URI url = jira.authorizeUrl("state-123", REDIRECT_URI, null);

        assertThat(url.toString()).startsWith(atlassian.url() + "/authorize?");
        assertThat(query(url)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "audience", "api.atlassian.com",
                "client_id", FakeAtlassian.CLIENT_ID,
                "scope", "read:jira-work read:jira-user offline_access",
                "redirect_uri", REDIRECT_URI,
                "state", "state-123",
                "response_type", "code",
                "prompt", "consent"));
        assertThat(url.getRawQuery()).contains("scope=read%3Ajira-work%20read%3Ajira-user%20offline_access");
    }

    @Test
    void authorizeUrlToleratesATrailingSlashOnTheAuthUrl() {
        PlatformSettings.Jira settings = new PlatformSettings.Jira(FakeAtlassian.CLIENT_ID, FakeAtlassian.CLIENT_SECRET,
                FakeAtlassian.SCOPES, atlassian.url() + "/", atlassian.url());
        URI url = new JiraPlatform(settings, http, clock).authorizeUrl("s", REDIRECT_URI, null);

        assertThat(url.getPath()).isEqualTo("/authorize");
    }

    // ---- complete ----

    @Test
    void completeExchangesTheCodeAndReturnsOneAccountPerSiteOfTheGrant() throws Exception {
        Site acme = Site.named("acme");
        Site labs = Site.named("acme-labs");
        Site ops = Site.named("acme-ops");
        atlassian.sites(acme, labs, ops);

        Authorization authorization = connect();

        assertThat(authorization.accounts()).containsExactlyInAnyOrder(
                new ExternalAccount(acme.id(), "acme"),
                new ExternalAccount(labs.id(), "acme-labs"),
                new ExternalAccount(ops.id(), "acme-ops"));
        Credential credential = authorization.credential();
        assertThat(credential.refreshToken()).isNotBlank();
        assertThat(credential.expiresAt()).isEqualTo(clock.instant().plusSeconds(3600));
        assertThat(credential.scopes()).containsExactly("read:jira-work", "read:jira-user", "offline_access");
        for (Site site : List.of(acme, labs, ops)) {
            assertThat(atlassian.accessTokenWorksFor(credential.accessToken(), site.id())).isTrue();
        }
        assertThat(atlassian.exchangeCalls()).isEqualTo(1);
    }

    @Test
    void completeNamesASiteByItsUrlWhenItHasNoName() throws Exception {
        atlassian.sites(new Site("c0ffee00-0000-4000-8000-000000000001", "https://nameless.atlassian.net", null));

        assertThat(connect().accounts()).containsExactly(
                new ExternalAccount("c0ffee00-0000-4000-8000-000000000001", "https://nameless.atlassian.net"));
    }

    @Test
    void completeFailsPermanentlyAndClearlyWhenTheGrantReachesNoSite() {
        atlassian.sites();

        ProviderException failure = catchThrowableOfType(ProviderException.class, this::connect);

        assertThat(failure.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(failure.getMessage()).contains("the grant reaches no Jira site");
    }

    @Test
    void completeWithAnAlreadyUsedCodeFailsPermanently() throws Exception {
        String code = atlassian.consent(jira.authorizeUrl("s", REDIRECT_URI, null));
        jira.complete(Map.of("code", code, "state", "s"), REDIRECT_URI, null);

        assertPermanent(() -> jira.complete(Map.of("code", code, "state", "s"), REDIRECT_URI, null), "invalid_grant");
    }

    @Test
    void completeWithACodeOlderThanTenMinutesFailsPermanently() {
        String code = atlassian.consent(jira.authorizeUrl("s", REDIRECT_URI, null));
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));

        assertPermanent(() -> jira.complete(Map.of("code", code), REDIRECT_URI, null), "invalid_grant");
    }

    @Test
    void completeWithAnotherRedirectUriThanTheAuthorizeUrlFailsPermanently() {
        String code = atlassian.consent(jira.authorizeUrl("s", REDIRECT_URI, null));

        assertPermanent(() -> jira.complete(Map.of("code", code), "https://elsewhere.example/cb", null), "invalid_grant");
    }

    @Test
    void completeWithoutACodeFailsPermanentlyWithoutCallingAtlassian() {
        assertPermanent(() -> jira.complete(Map.of("state", "s"), REDIRECT_URI, null), "missing_code");
        assertThat(atlassian.exchangeCalls()).isZero();
    }

    @Test
    void aWrongApiUrlIsAConfigurationError() {
        PlatformSettings.Jira settings = new PlatformSettings.Jira(FakeAtlassian.CLIENT_ID, FakeAtlassian.CLIENT_SECRET,
                FakeAtlassian.SCOPES, atlassian.url(), atlassian.url() + "/not-the-gateway");
        JiraPlatform misconfigured = new JiraPlatform(settings, http, clock);
        String code = atlassian.consent(misconfigured.authorizeUrl("s", REDIRECT_URI, null));

        ProviderException failure = catchThrowableOfType(ProviderException.class,
                () -> misconfigured.complete(Map.of("code", code), REDIRECT_URI, null));

        assertThat(failure.kind()).isEqualTo(Kind.CONFIGURATION);
        assertThat(failure.providerError()).isEqualTo("http_404");
    }

    @Test
    void withoutOfflineAccessTheCredentialHasNoRefreshTokenAndCannotRefresh() throws Exception {
        PlatformSettings.Jira settings = new PlatformSettings.Jira(FakeAtlassian.CLIENT_ID, FakeAtlassian.CLIENT_SECRET,
                List.of("read:jira-work"), atlassian.url(), atlassian.url());
        JiraPlatform online = new JiraPlatform(settings, http, clock);
        String code = atlassian.consent(online.authorizeUrl("s", REDIRECT_URI, null));

        Credential credential = online.complete(Map.of("code", code), REDIRECT_URI, null).credential();

        assertThat(credential.refreshToken()).isNull();
        assertThat(online.canRefresh(credential)).isFalse();
    }

    // ---- refresh ----

    @Test
    void refreshReturnsANewAccessTokenAndANewRefreshTokenThatReplacesTheOld() throws Exception {
        Credential first = withExtra(connect().credential(), Map.of("note", "kept"));
        clock.advance(Duration.ofMinutes(55));

        Credential second = jira.refresh(first);

        assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
        assertThat(second.refreshToken()).isNotBlank().isNotEqualTo(first.refreshToken());
        assertThat(second.expiresAt()).isEqualTo(clock.instant().plusSeconds(3600));
        assertThat(second.scopes()).containsExactly("read:jira-work", "read:jira-user", "offline_access");
        assertThat(second.extra()).containsEntry("note", "kept");
        assertThat(jira.refresh(second).refreshToken()).isNotEqualTo(second.refreshToken());
        assertThat(atlassian.refreshCalls()).isEqualTo(2);
    }

    @Test
    void reusingARotatedRefreshTokenFailsPermanentlyAndRevokesTheWholeGrant() throws Exception {
        Credential first = connect().credential();
        Credential second = jira.refresh(first);

        ProviderException reuse = assertPermanent(() -> jira.refresh(first), "invalid_grant");
        assertThat(reuse.getMessage()).doesNotContain(first.refreshToken()).doesNotContain(first.accessToken());

        // Past the leeway the whole token family dies, the newest refresh token included.
        assertPermanent(() -> jira.refresh(second), "invalid_grant");
        assertThat(atlassian.revokedRefreshTokens()).contains(first.refreshToken(), second.refreshToken());
    }

    @Test
    void reusingARotatedRefreshTokenWithinTheLeewayIsTolerated() throws Exception {
        atlassian.leeway(Duration.ofMinutes(10));
        Credential first = connect().credential();
        Credential second = jira.refresh(first);
        clock.advance(Duration.ofMinutes(5));

        Credential retried = jira.refresh(first);

        assertThat(retried.accessToken()).isNotEqualTo(second.accessToken());
        assertThat(jira.refresh(retried).accessToken()).isNotBlank();
    }

    @Test
    void deadRefreshTokenAnsweredAsUnauthorizedClientFailsPermanently() throws Exception {
        atlassian.answerDeadRefreshTokensAsUnauthorizedClient(true);
        Credential credential = connect().credential();
        atlassian.revokeRefreshToken(credential.refreshToken());

        ProviderException failure = assertPermanent(() -> jira.refresh(credential), "unauthorized_client");
        assertThat(failure.getMessage()).contains("refresh_token is invalid");
    }

    @Test
    void refreshAfterTheUserRemovedTheAppFailsPermanently() throws Exception {
        Credential credential = connect().credential();
        atlassian.revokeGrantOf(credential.accessToken());

        assertPermanent(() -> jira.refresh(credential), "invalid_grant");
    }

    @Test
    void refreshAfterNinetyIdleDaysFailsPermanently() throws Exception {
        Credential credential = connect().credential();
        clock.advance(Duration.ofDays(91));

        assertPermanent(() -> jira.refresh(credential), "invalid_grant");
    }

    @Test
    void aWrongClientSecretIsAConfigurationErrorNotTheConnectionsFault() throws Exception {
        Credential credential = connect().credential();
        PlatformSettings.Jira wrong = new PlatformSettings.Jira(FakeAtlassian.CLIENT_ID, "not-the-secret",
                FakeAtlassian.SCOPES, atlassian.url(), atlassian.url());

        ProviderException failure = catchThrowableOfType(ProviderException.class,
                () -> new JiraPlatform(wrong, http, clock).refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.CONFIGURATION);
        assertThat(failure.providerError()).isEqualTo("access_denied");
        assertThat(failure.getMessage()).doesNotContain("not-the-secret");
        assertThat(jira.refresh(credential).accessToken()).as("the refresh token is still good").isNotBlank();
    }

    @Test
    void anUnknownClientIdIsAConfigurationError() {
        PlatformSettings.Jira unknown = new PlatformSettings.Jira("someone-else", FakeAtlassian.CLIENT_SECRET,
                FakeAtlassian.SCOPES, atlassian.url(), atlassian.url());
        String code = atlassian.consent(jira.authorizeUrl("s", REDIRECT_URI, null));

        ProviderException failure = catchThrowableOfType(ProviderException.class,
                () -> new JiraPlatform(unknown, http, clock).complete(Map.of("code", code), REDIRECT_URI, null));

        assertThat(failure.kind()).isEqualTo(Kind.CONFIGURATION);
        assertThat(failure.providerError()).isEqualTo("invalid_client");
    }

    @Test
    void aServerErrorIsTransientAndSpendsNothing() throws Exception {
        Credential credential = connect().credential();
        atlassian.answer500(1);

        ProviderException failure = catchThrowableOfType(ProviderException.class, () -> jira.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(jira.refresh(credential).accessToken()).as("the same refresh token works afterwards").isNotBlank();
        assertThat(atlassian.refreshCalls()).isEqualTo(2);
    }

    @Test
    void aRateLimitIsTransientAndCarriesRetryAfter() throws Exception {
        Credential credential = connect().credential();
        atlassian.answer429(1, 17);

        ProviderException failure = catchThrowableOfType(ProviderException.class, () -> jira.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.providerError()).isEqualTo("rate_limited");
        assertThat(failure.retryAfterSeconds()).isEqualTo(17);
    }

    @Test
    void aDroppedConnectionIsTransient() throws Exception {
        Credential credential = connect().credential();
        atlassian.stall(1, Duration.ZERO);

        ProviderException failure = catchThrowableOfType(ProviderException.class, () -> jira.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
    }

    /** Takes ProviderHttp's real 10 s timeout; the only slow test. */
    @Test
    void anAtlassianThatDoesNotAnswerInTenSecondsIsTransient() throws Exception {
        Credential credential = connect().credential();
        atlassian.stall(1, Duration.ofSeconds(12));

        ProviderException failure = catchThrowableOfType(ProviderException.class, () -> jira.refresh(credential));

        assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.providerError()).isEqualTo("timeout");
        assertThat(jira.refresh(credential).accessToken()).as("nothing was rotated").isNotBlank();
    }

    @Test
    void canRefreshExactlyWhenTheCredentialHasARefreshToken() {
        assertThat(jira.canRefresh(new Credential("at", "rt", null, List.of(), Map.of()))).isTrue();
        assertThat(jira.canRefresh(new Credential("at", null, null, List.of(), Map.of()))).isFalse();
    }

    // ---- revoke ----

    @Test
    void revokeCallsNoOneBecauseAtlassianHasNoRevocationEndpoint() throws Exception {
        atlassian.sites(Site.named("acme"));
        Authorization authorization = connect();
        Credential credential = authorization.credential();
        atlassian.answer500(Integer.MAX_VALUE); // any call would now fail

        jira.revoke(credential);

        atlassian.recover();
        assertThat(atlassian.accessTokenWorksFor(credential.accessToken(),
                authorization.accounts().get(0).externalId())).isTrue();
        assertThat(atlassian.refreshCalls()).isZero();
    }

    // ---- helpers ----

    private Authorization connect() throws ProviderException {
        URI authorizeUrl = jira.authorizeUrl("state-1", REDIRECT_URI, null);
        String code = atlassian.consent(authorizeUrl);
        return jira.complete(Map.of("code", code, "state", "state-1"), REDIRECT_URI, null);
    }

    private static ProviderException assertPermanent(ThrowingCall call, String providerError) {
        ProviderException failure = catchThrowableOfType(ProviderException.class, call::run);
        assertThat(failure).as("expected a ProviderException").isNotNull();
        assertThat(failure.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(failure.providerError()).isEqualTo(providerError);
        return failure;
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static Credential withExtra(Credential credential, Map<String, String> extra) {
        return new Credential(credential.accessToken(), credential.refreshToken(), credential.expiresAt(),
                credential.scopes(), extra);
    }

    private static Map<String, String> query(URI url) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : url.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            query.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
        }
        return query;
    }
}
