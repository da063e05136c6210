package gatehouse.clients;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3, docs/http.md
 * §1 and §4): client_secret_basic, client_secret_post, none for public apps, and secret rotation.
 */
class ClientAuthenticationIT {
    private static final String BASIC_CHALLENGE = "Basic realm=\"gatehouse\"";
    private static final String TOKEN = "/oauth/token";
    private static final String INTROSPECT = "/oauth/introspect";
    private static final String REVOKE = "/oauth/revoke";

    private final Http api = Http.anonymous();
    private Fixtures.User user;
    private String orgId;
    private Fixtures.App confidential;
    private Fixtures.App publicApp;

    @BeforeEach
    void setUp() {
        user = Fixtures.newUser();
        orgId = Fixtures.org(user.login());
        confidential = Fixtures.app(Fixtures.admin(), orgId, Map.of(
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"),
                "actor_modes", List.of("self", "app")));
        publicApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("confidential", false));
    }

    // ---- the two secret methods work everywhere ----------------------------------------------------

    @Test
    void clientSecretBasicWorksAtTokenIntrospectionAndRevocation() {
        String accessToken = issuedWithBasic(confidential);

        Http.Response introspected = api.postForm(INTROSPECT, Http.form("token", accessToken), "Authorization", confidential.basic());
        assertThat(introspected.status()).as(introspected.body()).isEqualTo(200);
        assertThat(introspected.json().get("active").asBoolean()).isTrue();
        assertThat(introspected.json().get("client_id").asText()).isEqualTo(confidential.clientId());

        Http.Response revoked = api.postForm(REVOKE, Http.form("token", accessToken), "Authorization", confidential.basic());
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(active(accessToken)).isFalse();
    }

    @Test
    void clientSecretPostWorksAtTokenIntrospectionAndRevocation() {
        Http.Response issued = api.postForm(TOKEN, Http.form("grant_type", "client_credentials",
                "client_id", confidential.clientId(), "client_secret", confidential.secret()));
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(issued.header("Cache-Control")).isEqualTo("no-store");
        String accessToken = issued.text("access_token");

        Http.Response introspected = api.postForm(INTROSPECT, Http.form("token", accessToken,
                "client_id", confidential.clientId(), "client_secret", confidential.secret()));
        assertThat(introspected.status()).as(introspected.body()).isEqualTo(200);
        assertThat(introspected.json().get("active").asBoolean()).isTrue();

        Http.Response revoked = api.postForm(REVOKE, Http.form("token", accessToken,
                "client_id", confidential.clientId(), "client_secret", confidential.secret()));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(active(accessToken)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE, "/api/v1/oauth/tokens", "/api/v1/oauth/introspect",
            "/api/v1/oauth/tokens/revoke"})
    void basicAndPostAtOnceThenInvalidRequest(String endpoint) {
        Http.Response response = api.postForm(endpoint, form(endpoint, "client_id", confidential.clientId(),
                "client_secret", confidential.secret()), "Authorization", confidential.basic());
        assertError(response, 400, "invalid_request");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void basicClientIdDifferingFromBodyClientIdThenInvalidRequest(String endpoint) {
        Http.Response response = api.postForm(endpoint, form(endpoint, "client_id", publicApp.clientId()),
                "Authorization", confidential.basic());
        assertError(response, 400, "invalid_request");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void basicWithTheSameClientIdInTheBodyIsAccepted(String endpoint) {
        Http.Response response = api.postForm(endpoint, form(endpoint, "client_id", confidential.clientId()),
                "Authorization", confidential.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    // ---- failed authentication ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void wrongSecretWithBasicThenInvalidClientAndBasicChallenge(String endpoint) {
        String otherSecret = Fixtures.app(Fixtures.admin(), orgId, Map.of()).secret();
        Http.Response response = api.postForm(endpoint, form(endpoint),
                "Authorization", Http.basic(confidential.clientId(), otherSecret));
        assertError(response, 401, "invalid_client");
        assertThat(response.header("WWW-Authenticate")).isEqualTo(BASIC_CHALLENGE);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void wrongSecretWithPostThenInvalidClient(String endpoint) {
        String otherSecret = Fixtures.app(Fixtures.admin(), orgId, Map.of()).secret();
        Http.Response response = api.postForm(endpoint, form(endpoint, "client_id", confidential.clientId(),
                "client_secret", otherSecret));
        assertError(response, 401, "invalid_client");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void unknownClientThenInvalidClient(String endpoint) {
        String unknown = "foapp_" + "0".repeat(24);
        Http.Response basic = api.postForm(endpoint, form(endpoint), "Authorization", Http.basic(unknown, confidential.secret()));
        assertError(basic, 401, "invalid_client");
        assertThat(basic.header("WWW-Authenticate")).isEqualTo(BASIC_CHALLENGE);

        Http.Response post = api.postForm(endpoint, form(endpoint, "client_id", unknown, "client_secret", confidential.secret()));
        assertError(post, 401, "invalid_client");

        Http.Response none = api.postForm(endpoint, form(endpoint, "client_id", unknown));
        assertError(none, 401, "invalid_client");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void secretWithBadChecksumThenInvalidClient(String endpoint) {
        String forged = badChecksum(confidential.secret());
        Http.Response basic = api.postForm(endpoint, form(endpoint), "Authorization", Http.basic(confidential.clientId(), forged));
        assertError(basic, 401, "invalid_client");
        assertThat(basic.header("WWW-Authenticate")).isEqualTo(BASIC_CHALLENGE);

        Http.Response post = api.postForm(endpoint, form(endpoint, "client_id", confidential.clientId(), "client_secret", forged));
        assertError(post, 401, "invalid_client");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void confidentialAppSendingNoSecretThenInvalidClient(String endpoint) {
        Http.Response response = api.postForm(endpoint, form(endpoint, "client_id", confidential.clientId()));
        assertError(response, 401, "invalid_client");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TOKEN, INTROSPECT, REVOKE})
    void noClientAuthenticationAtAllThenInvalidClient(String endpoint) {
        assertError(api.postForm(endpoint, form(endpoint)), 401, "invalid_client");
    }

    @Test
    void publicAppSendingAnEmptyBasicSecretCannotPassForConfidential() {
        Http.Response response = api.postForm(INTROSPECT, Http.form("token", "x"),
                "Authorization", Http.basic(publicApp.clientId(), ""));
        assertError(response, 401, "invalid_client");
    }

    // ---- public apps (none) ------------------------------------------------------------------------

    @Test
    void publicAppWithNoneExchangesRefreshesAndRevokesAtTheTokenEndpoint() {
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(user).authorize(Http.form("response_type", "code",
                "client_id", publicApp.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "state", "pub",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        String code = Http.queryOf(location).get("code");
        assertThat(code).as(location).isNotNull();

        Http.Response exchanged = api.postForm(TOKEN, Http.form("grant_type", "authorization_code", "code", code,
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier(), "client_id", publicApp.clientId()));
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        String accessToken = exchanged.text("access_token");
        String refreshToken = exchanged.text("refresh_token");
        assertThat(accessToken).startsWith("foot_");

        if (refreshToken != null) {
            Http.Response refreshed = api.postForm(TOKEN, Http.form("grant_type", "refresh_token",
                    "refresh_token", refreshToken, "client_id", publicApp.clientId()));
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            accessToken = refreshed.text("access_token");
        }

        Http.Response revoked = api.postForm(REVOKE, Http.form("token", accessToken, "client_id", publicApp.clientId()));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken).status()).isEqualTo(401);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client_credentials", "password"})
    void publicAppCannotRegisterClientCredentialsOrPassword(String grantType) {
        Map<String, Object> body = Fixtures.appBody(orgId, Map.of("confidential", false,
                "grant_types", List.of("authorization_code", grantType)));
        Http.Response response = Fixtures.admin().postJson("/api/v1/oauth/clients", body);
        assertError(response, 400, "validation_failed");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client_credentials", "password"})
    void publicAppAskingForClientCredentialsOrPasswordThenUnauthorizedClient(String grantType) {
        Http.Response response = api.postForm(TOKEN, Http.form("grant_type", grantType, "client_id", publicApp.clientId(),
                "username", user.username(), "password", user.password()));
        assertError(response, 400, "unauthorized_client");
    }

    @Test
    void publicAppMayNotIntrospect() {
        String accessToken = issuedWithBasic(confidential);
        Http.Response response = api.postForm(INTROSPECT, Http.form("token", accessToken, "client_id", publicApp.clientId()));
        assertError(response, 401, "invalid_client");
        assertThat(api.postForm("/api/v1/oauth/introspect", Http.form("token", accessToken, "client_id", publicApp.clientId()))
                .status()).isEqualTo(401);
    }

    // ---- Basic credentials are form-urlencoded (RFC 6749 §2.3.1) -----------------------------------

    @Test
    void basicCredentialsArePercentDecodedBeforeComparison() {
        String header = "Basic " + Base64.getEncoder().encodeToString((percentEncodeEveryCharacter(confidential.clientId())
                + ":" + percentEncodeEveryCharacter(confidential.secret())).getBytes(StandardCharsets.UTF_8));
        Http.Response response = api.postForm(TOKEN, Http.form("grant_type", "client_credentials"), "Authorization", header);
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        Http.Response introspected = api.postForm(INTROSPECT, Http.form("token", response.text("access_token")),
                "Authorization", header);
        assertThat(introspected.status()).as(introspected.body()).isEqualTo(200);
        assertThat(introspected.json().get("active").asBoolean()).isTrue();
    }

    @Test
    void basicCredentialsWithBrokenPercentEncodingThenInvalidClient() {
        String header = "Basic " + Base64.getEncoder().encodeToString((confidential.clientId() + ":" + confidential.secret()
                + "%zz").getBytes(StandardCharsets.UTF_8));
        Http.Response response = api.postForm(TOKEN, Http.form("grant_type", "client_credentials"), "Authorization", header);
        assertError(response, 401, "invalid_client");
        assertThat(response.header("WWW-Authenticate")).isEqualTo(BASIC_CHALLENGE);
    }

    // ---- secret rotation ---------------------------------------------------------------------------

    @Test
    void rotationWithGraceThenNewAndOldSecretsBothWork() {
        Http.Response rotated = Fixtures.admin().postJson(rotatePath(), Map.of("grace_seconds", 60));
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.header("Cache-Control")).isEqualTo("no-store");
        String newSecret = rotated.text("client_secret");
        assertThat(newSecret).startsWith("fosec_").isNotEqualTo(confidential.secret());

        assertThat(tokenStatus(newSecret)).isEqualTo(200);
        assertThat(tokenStatus(confidential.secret())).isEqualTo(200);
        assertThat(introspectStatus(confidential.secret())).isEqualTo(200);
        assertThat(introspectStatus(newSecret)).isEqualTo(200);
    }

    @Test
    void rotationWithGraceZeroThenOldSecretStopsAtOnce() {
        Http.Response rotated = Fixtures.admin().postJson(rotatePath(), Map.of("grace_seconds", 0));
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String newSecret = rotated.text("client_secret");

        assertThat(tokenStatus(newSecret)).isEqualTo(200);
        assertThat(tokenStatus(confidential.secret())).isEqualTo(401);
        assertThat(introspectStatus(confidential.secret())).isEqualTo(401);
    }

    @Test
    void rotationWithoutBodyThenOldSecretStopsAtOnce() {
        Http.Response rotated = Fixtures.admin().send("POST", rotatePath(), null, null);
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String newSecret = rotated.text("client_secret");

        assertThat(tokenStatus(newSecret)).isEqualTo(200);
        assertThat(tokenStatus(confidential.secret())).isEqualTo(401);
    }

    @Test
    void rotationWithEmptyJsonObjectThenOldSecretStopsAtOnce() {
        Http.Response rotated = Fixtures.admin().postJson(rotatePath(), Map.of());
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        assertThat(tokenStatus(rotated.text("client_secret"))).isEqualTo(200);
        assertThat(tokenStatus(confidential.secret())).isEqualTo(401);
    }

    @Test
    void secondRotationEndsTheGraceOfTheFirstSecret() {
        String second = Fixtures.admin().postJson(rotatePath(), Map.of("grace_seconds", 60)).text("client_secret");
        String third = Fixtures.admin().postJson(rotatePath(), Map.of("grace_seconds", 60)).text("client_secret");

        assertThat(tokenStatus(third)).isEqualTo(200);
        assertThat(tokenStatus(second)).isEqualTo(200);
        assertThat(tokenStatus(confidential.secret())).isEqualTo(401);
    }

    @Test
    void rotatingAPublicAppsSecretIsRefused() {
        Http.Response response = Fixtures.admin().postJson("/api/v1/oauth/clients/" + publicApp.clientId() + "/secret",
                Map.of("grace_seconds", 60));
        assertThat(response.status()).as(response.body()).isBetween(400, 499);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** A well-formed body for {@code endpoint} plus {@code extra} name/value pairs. */
    private static String form(String endpoint, String... extra) {
        String[] base = endpoint.contains("tokens/revoke") || endpoint.endsWith("revoke") || endpoint.endsWith("introspect")
                ? new String[] {"token", "foot_unknown"}
                : new String[] {"grant_type", "client_credentials"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return Http.form(all);
    }

    private String issuedWithBasic(Fixtures.App app) {
        Http.Response issued = api.postForm(TOKEN, Http.form("grant_type", "client_credentials"), "Authorization", app.basic());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        return issued.text("access_token");
    }

    private boolean active(String accessToken) {
        return api.postForm(INTROSPECT, Http.form("token", accessToken), "Authorization", confidential.basic())
                .json().get("active").asBoolean();
    }

    private int tokenStatus(String secret) {
        return api.postForm(TOKEN, Http.form("grant_type", "client_credentials"),
                "Authorization", Http.basic(confidential.clientId(), secret)).status();
    }

    private int introspectStatus(String secret) {
        return api.postForm(INTROSPECT, Http.form("token", "foot_unknown"),
                "Authorization", Http.basic(confidential.clientId(), secret)).status();
    }

    private String rotatePath() {
        return "/api/v1/oauth/clients/" + confidential.clientId() + "/secret";
    }

    private static String badChecksum(String value) {
        char last = value.charAt(value.length() - 1);
        return value.substring(0, value.length() - 1) + (last == '0' ? '1' : '0');
    }

    private static String percentEncodeEveryCharacter(String value) {
        var out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            out.append('%').append(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }
}
