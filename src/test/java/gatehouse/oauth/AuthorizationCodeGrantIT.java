package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.assertError;
import static gatehouse.testing.OAuthAssertions.isActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The protocol rules of the authorization-code grant (docs/http.md, "The OAuth flows", RFC 6749 §4.1, RFC 7636,
 * RFC 8252 §7.3, RFC 9207): code single use, PKCE, redirect URI binding, and which authorize
 * errors are shown as a page and which go back to the app.
 */
class AuthorizationCodeGrantIT {
    private static final String OTHER_REDIRECT_URI = "https://app.example.test/other-callback";

    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("codes");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));

    // ---- token endpoint: the code ----

    @Test
    void exchangeWhenCodeReplayedThenInvalidGrantAndTokensRevoked() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "replay");

        Http.Response first = exchange(app, code, Fixtures.REDIRECT_URI, pkce.verifier());
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String accessToken = first.json().get("access_token").asText();
        String refreshToken = first.json().get("refresh_token").asText();
        assertThat(isActive(app, accessToken)).isTrue();

        Http.Response replay = exchange(app, code, Fixtures.REDIRECT_URI, pkce.verifier());
        assertError(replay, 400, "invalid_grant");

        // RFC 6749 §4.1.2: everything issued from the replayed code is revoked.
        assertThat(isActive(app, accessToken)).as("access token of the replayed code").isFalse();
        assertThat(isActive(app, refreshToken)).as("refresh token of the replayed code").isFalse();
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken).status()).isEqualTo(401);
        assertError(refresh(app, refreshToken), 400, "invalid_grant");
    }

    @Test
    void exchangeWhenCodeReplayedAfterRefreshThenRefreshedTokensRevokedToo() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "replay-late");
        JsonNode first = exchange(app, code, Fixtures.REDIRECT_URI, pkce.verifier()).json();
        Http.Response refreshed = refresh(app, first.get("refresh_token").asText());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String laterAccess = refreshed.json().get("access_token").asText();
        String laterRefresh = refreshed.json().get("refresh_token").asText();

        assertError(exchange(app, code, Fixtures.REDIRECT_URI, pkce.verifier()), 400, "invalid_grant");

        // Every token issued from the code, including those obtained by refreshing, is revoked.
        assertThat(isActive(app, laterAccess)).as("access token refreshed from the replayed code").isFalse();
        assertError(refresh(app, laterRefresh), 400, "invalid_grant");
    }

    @Test
    void exchangeWhenParameterRepeatedThenInvalidRequest() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "dup-token");

        Http.Response response = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", code, "code", code, "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier()),
                "Authorization", app.basic());

        assertError(response, 400, "invalid_request");
    }

    @Test
    void exchangeWhenVerifierWrongThenInvalidGrant() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "wrong-verifier");

        Http.Response response = exchange(app, code, Fixtures.REDIRECT_URI, Fixtures.pkce().verifier());

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenVerifierMissingAfterChallengeThenInvalidGrant() {
        String code = codeFor(app, Fixtures.pkce(), "no-verifier");

        Http.Response response = exchange(app, code, Fixtures.REDIRECT_URI, null);

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenVerifierSentWithoutChallengeThenInvalidGrant() {
        String code = codeFor(app, null, "verifier-without-challenge");

        Http.Response response = exchange(app, code, Fixtures.REDIRECT_URI, Fixtures.pkce().verifier());

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenConfidentialAppSkippedPkceThenTokensIssued() {
        String code = codeFor(app, null, "no-pkce");

        Http.Response response = exchange(app, code, Fixtures.REDIRECT_URI, null);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode tokens = response.json();
        assertThat(tokens.get("access_token").asText()).startsWith("foot_");
        assertThat(tokens.get("refresh_token").asText()).startsWith("foor_");
        assertThat(tokens.get("scope").asText()).isEqualTo(scope);
        assertThat(isActive(app, tokens.get("access_token").asText())).isTrue();
    }

    @Test
    void exchangeWhenRedirectUriDiffersFromAuthorizeThenInvalidGrant() {
        Fixtures.App twoUris = Fixtures.app(Fixtures.admin(), orgId,
                Map.of("scope", scope, "redirect_uris", List.of(Fixtures.REDIRECT_URI, OTHER_REDIRECT_URI)));
        var pkce = Fixtures.pkce();
        String code = codeFor(twoUris, pkce, "other-uri", "redirect_uri", Fixtures.REDIRECT_URI);

        // Registered, but not the one the authorization request named.
        Http.Response response = exchange(twoUris, code, OTHER_REDIRECT_URI, pkce.verifier());

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenRedirectUriOmittedButSentAtAuthorizeThenInvalidGrant() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "omitted-uri", "redirect_uri", Fixtures.REDIRECT_URI);

        Http.Response response = exchange(app, code, null, pkce.verifier());

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenCodeBelongsToAnotherAppThenInvalidGrant() {
        Fixtures.App other = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "foreign");

        Http.Response response = exchange(other, code, Fixtures.REDIRECT_URI, pkce.verifier());

        assertError(response, 400, "invalid_grant");
    }

    @Test
    void exchangeWhenCodeIsGarbageThenInvalidGrant() {
        var pkce = Fixtures.pkce();
        String code = codeFor(app, pkce, "garbage");
        char last = code.charAt(code.length() - 1);
        String badChecksum = code.substring(0, code.length() - 1) + (last == 'A' ? 'B' : 'A');

        assertError(exchange(app, badChecksum, Fixtures.REDIRECT_URI, pkce.verifier()), 400, "invalid_grant");
        assertError(exchange(app, "fooc_" + "x".repeat(43) + "000000", Fixtures.REDIRECT_URI, pkce.verifier()),
                400, "invalid_grant");
        assertError(exchange(app, "not-a-code", Fixtures.REDIRECT_URI, pkce.verifier()), 400, "invalid_grant");
    }

    // ---- authorize: errors shown as a page, never redirected ----

    @Test
    void authorizeWhenRedirectUriUnregisteredThenHtmlErrorWithoutRedirect() {
        Http.Response response = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", "https://evil.example.test/callback", "scope", scope,
                "state", "s", "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256"));

        assertHtmlError(response);
    }

    @Test
    void authorizeWhenClientIdUnknownThenHtmlErrorWithoutRedirect() {
        Http.Response response = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", "foapp_" + "0".repeat(24), "redirect_uri", Fixtures.REDIRECT_URI, "state", "s"));

        assertHtmlError(response);
    }

    @Test
    void authorizeWhenAppHasTwoRedirectUrisAndNoneSentThenHtmlErrorWithoutRedirect() {
        Fixtures.App twoUris = Fixtures.app(Fixtures.admin(), orgId,
                Map.of("scope", scope, "redirect_uris", List.of(Fixtures.REDIRECT_URI, OTHER_REDIRECT_URI)));
        var pkce = Fixtures.pkce();

        Http.Response response = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", twoUris.clientId(), "scope", scope, "state", "s",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertHtmlError(response);
    }

    // ---- authorize: errors redirected to the app ----

    @Test
    void authorizeWhenChallengeMethodPlainThenRedirectsWithInvalidRequest() {
        var pkce = Fixtures.pkce();
        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "plain-st",
                "code_challenge", pkce.verifier(), "code_challenge_method", "plain"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "invalid_request", "plain-st");
    }

    @Test
    void authorizeWhenPublicAppSendsNoChallengeThenRedirectsWithInvalidRequest() {
        Fixtures.App publicApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope, "confidential", false));

        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "code",
                "client_id", publicApp.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope,
                "state", "public-st"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "invalid_request", "public-st");
    }

    @Test
    void authorizeWhenResponseTypeTokenThenRedirectsWithUnsupportedResponseType() {
        var pkce = Fixtures.pkce();
        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "token",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "implicit",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "unsupported_response_type", "implicit");
    }

    @Test
    void authorizeWhenScopeRepeatedThenRedirectsWithInvalidRequest() {
        var pkce = Fixtures.pkce();
        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "scope", scope,
                "state", "twice", "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "invalid_request", "twice");
    }

    @Test
    void authorizeWhenScopeUnknownThenRedirectsWithInvalidScope() {
        var pkce = Fixtures.pkce();
        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI,
                "scope", scope + " " + Fixtures.unique("nosuch") + ":read", "state", "bad-scope",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "invalid_scope", "bad-scope");
    }

    @Test
    void authorizeWhenActorUnknownThenRedirectsWithInvalidRequest() {
        var pkce = Fixtures.pkce();
        Http.Response response = new OAuthBrowser(user).open(Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "robot",
                "actor", "robot", "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertRedirectError(response, Fixtures.REDIRECT_URI, "invalid_request", "robot");
    }

    @Test
    void authorizeWhenPromptNoneWithoutSessionThenRedirectsWithLoginRequired() {
        Http.Response response = new OAuthBrowser(user).open(authorizeQuery(app, Fixtures.pkce(), "silent")
                + "&prompt=none");

        assertRedirectError(response, Fixtures.REDIRECT_URI, "login_required", "silent");
    }

    @Test
    void authorizeWhenPromptNoneSignedInWithoutConsentThenRedirectsWithConsentRequired() {
        var browser = new OAuthBrowser(user);
        Http.Response consentPage = browser.signIn(browser.open(authorizeQuery(app, Fixtures.pkce(), "first")));
        assertThat(consentPage.status()).as("signed in, consent page shown").isEqualTo(200);

        Http.Response response = browser.open(authorizeQuery(app, Fixtures.pkce(), "silent") + "&prompt=none");

        assertRedirectError(response, Fixtures.REDIRECT_URI, "consent_required", "silent");
    }

    @Test
    void authorizeWhenPromptNoneAndConsentGivenThenCodeIssuedWithoutAPage() {
        var browser = new OAuthBrowser(user);
        browser.authorize(authorizeQuery(app, Fixtures.pkce(), "first"));
        var pkce = Fixtures.pkce();

        Http.Response response = browser.open(authorizeQuery(app, pkce, "silent") + "&prompt=none");

        assertThat(response.status()).as(response.body()).isEqualTo(302);
        var callback = Http.queryOf(response.location());
        assertThat(callback).containsKey("code").containsEntry("state", "silent")
                .containsEntry("iss", TestServer.get().issuer()).doesNotContainKey("error");
        Http.Response tokens = exchange(app, callback.get("code"), Fixtures.REDIRECT_URI, pkce.verifier());
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
    }

    // ---- RFC 8252 §7.3: loopback redirect with any port ----

    @Test
    void authorizeWhenPublicAppLoopbackRedirectOnAnyPortThenCodeDeliveredAndExchanged() {
        String registered = "http://127.0.0.1/cb";
        String requested = "http://127.0.0.1:49152/cb";
        Fixtures.App native_ = Fixtures.app(Fixtures.admin(), orgId,
                Map.of("scope", scope, "confidential", false, "redirect_uris", List.of(registered)));
        var pkce = Fixtures.pkce();

        String location = new OAuthBrowser(user).authorize(Http.form("response_type", "code",
                "client_id", native_.clientId(), "redirect_uri", requested, "scope", scope, "state", "native",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertThat(location).startsWith(requested + "?");
        var callback = Http.queryOf(location);
        assertThat(callback).containsEntry("state", "native").containsEntry("iss", TestServer.get().issuer());
        Http.Response tokens = exchange(native_, callback.get("code"), requested, pkce.verifier());
        assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
        assertThat(tokens.json().get("access_token").asText()).startsWith("foot_");

        // Only the port is free: another path on the loopback address is still unregistered.
        Http.Response otherPath = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", native_.clientId(), "redirect_uri", "http://127.0.0.1:49152/elsewhere", "scope", scope,
                "state", "native", "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        assertHtmlError(otherPath);
    }

    @Test
    void authorizeWhenConfidentialAppLoopbackRedirectOnOtherPortThenHtmlError() {
        Fixtures.App confidential = Fixtures.app(Fixtures.admin(), orgId,
                Map.of("scope", scope, "redirect_uris", List.of("http://127.0.0.1/cb")));

        // The port exception is for public (native) apps only; a confidential app's URIs match exactly.
        Http.Response response = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", confidential.clientId(), "redirect_uri", "http://127.0.0.1:49152/cb", "scope", scope,
                "state", "s", "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256"));

        assertHtmlError(response);
    }

    // ---- helpers ----

    /** An authorization request; {@code pkce} null sends no challenge; {@code extra} adds name/value pairs. */
    private static String authorizeQuery(Fixtures.App app, Fixtures.PkcePair pkce, String state, String... extra) {
        List<String> pairs = new ArrayList<>(List.of("response_type", "code", "client_id", app.clientId(),
                "scope", app.json().get("scope").asText(), "state", state));
        if (pkce != null) {
            pairs.addAll(List.of("code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        }
        pairs.addAll(Arrays.asList(extra));
        return Http.form(pairs.toArray(String[]::new));
    }

    /** A code for {@code app}, through the login and consent pages. */
    private String codeFor(Fixtures.App app, Fixtures.PkcePair pkce, String state, String... extra) {
        String location = new OAuthBrowser(user).authorize(authorizeQuery(app, pkce, state, extra));
        var callback = Http.queryOf(location);
        assertThat(callback).as(location).containsKey("code").containsEntry("state", state);
        return callback.get("code");
    }

    /** A code exchange; null parameters are left out. Confidential apps use Basic, public ones client_id. */
    private Http.Response exchange(Fixtures.App app, String code, String redirectUri, String verifier) {
        List<String> pairs = new ArrayList<>(List.of("grant_type", "authorization_code", "code", code));
        if (redirectUri != null) {
            pairs.addAll(List.of("redirect_uri", redirectUri));
        }
        if (verifier != null) {
            pairs.addAll(List.of("code_verifier", verifier));
        }
        if (app.secret() == null) {
            pairs.addAll(List.of("client_id", app.clientId()));
            return api.postForm("/oauth/token", Http.form(pairs.toArray(String[]::new)));
        }
        return api.postForm("/oauth/token", Http.form(pairs.toArray(String[]::new)), "Authorization", app.basic());
    }

    private Http.Response refresh(Fixtures.App app, String refreshToken) {
        return api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token", refreshToken),
                "Authorization", app.basic());
    }

    private static void assertHtmlError(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.location()).as("never redirected").isNull();
        assertThat(response.header("Content-Type")).startsWith("text/html");
    }

    private static void assertRedirectError(Http.Response response, String redirectUri, String error, String state) {
        assertThat(response.status()).as(response.body()).isEqualTo(302);
        assertThat(response.location()).startsWith(redirectUri + "?");
        Map<String, String> params = Http.queryOf(response.location());
        assertThat(params).containsEntry("error", error).containsEntry("state", state)
                .containsEntry("iss", TestServer.get().issuer()).doesNotContainKey("code");
    }
}
