package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/**
 * RP-initiated logout (the end_session_endpoint) and id_token_hint at the authorization endpoint,
 * over HTTP in a browser's cookie jar: who may end a session, where the browser may be sent, and the
 * refusals.
 */
class OpenIdLogoutIT {
    private static final String SIGNED_OUT = "https://app.example.test/signed-out";

    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("logout");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(),
            Map.of("scope", "openid " + tenant.scope(), "post_logout_redirect_uris", List.of(SIGNED_OUT)));

    private static String query(String... pairs) {
        return Http.form(pairs);
    }

    private String authorizeQuery(Fixtures.PkcePair pkce, String... extra) {
        var pairs = new ArrayList<>(List.of("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "state", "st",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        pairs.addAll(List.of(extra));
        return Http.form(pairs.toArray(String[]::new));
    }

    /** Signs {@code user} in to the app through the pages; returns the ID token. */
    private String signIn(OAuthBrowser browser) {
        var pkce = Fixtures.pkce();
        String location = browser.authorize(authorizeQuery(pkce));
        JsonNode tokens = app.exchange(new OAuthBrowser.Code(Http.queryOf(location).get("code"), pkce.verifier()));
        return tokens.get("id_token").asText();
    }

    /** Whether the browser is still signed in: the authorization endpoint answers without the login page. */
    private boolean signedIn(OAuthBrowser browser) {
        Http.Response response = browser.open(authorizeQuery(Fixtures.pkce()));
        return !response.location().startsWith("/login");
    }

    @Test
    void discoveryNamesTheEndSessionEndpoint() {
        assertThat(api.get("/.well-known/openid-configuration").json().get("end_session_endpoint").asText())
                .isEqualTo(TestServer.get().issuer() + "/oauth/logout");
    }

    @Test
    void theSignedInUsersOwnHintEndsTheSessionAtOnceAndReturnsWithState() {
        var browser = new OAuthBrowser(tenant.user());
        String idToken = signIn(browser);
        assertThat(signedIn(browser)).isTrue();

        Http.Response response = browser.http().get("/oauth/logout?" + query("id_token_hint", idToken,
                "post_logout_redirect_uri", SIGNED_OUT, "state", "a b&c"));
        assertThat(response.status()).isEqualTo(302);
        assertThat(response.location()).isEqualTo(SIGNED_OUT + "?state=" + URLEncoder.encode("a b&c", StandardCharsets.UTF_8));
        assertThat(response.header("Set-Cookie")).contains("gatehouse_session=;").contains("Max-Age=0");
        assertThat(signedIn(browser)).isFalse();
    }

    @Test
    void withoutAHintTheUserConfirmsAndAForgedConfirmationIsRefused() {
        var browser = new OAuthBrowser(tenant.user());
        signIn(browser);

        Http.Response page = browser.http().get("/oauth/logout?" + query("client_id", app.clientId()));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/oauth/logout]");
        assertThat(form).isNotNull();
        assertThat(signedIn(browser)).as("asking ends nothing").isTrue();

        Http.Response forged = browser.http().postForm("/oauth/logout", query("client_id", app.clientId(),
                "confirm", "yes", "csrf_token", "not-the-token"));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(signedIn(browser)).isTrue();

        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        fields.addAll(List.of("confirm", "yes"));
        Http.Response confirmed = browser.http().postForm("/oauth/logout", query(fields.toArray(String[]::new)));
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(Jsoup.parse(confirmed.body()).text()).contains("You are signed out of Gatehouse");
        assertThat(signedIn(browser)).isFalse();
    }

    @Test
    void anotherUsersHintDoesNotEndTheSessionWithoutConfirmation() {
        var other = new OAuthBrowser(Fixtures.newUser());
        String othersIdToken = signIn(other);
        var browser = new OAuthBrowser(tenant.user());
        signIn(browser);

        Http.Response response = browser.http().get("/oauth/logout?" + query("id_token_hint", othersIdToken));
        assertThat(response.status()).isEqualTo(200);
        assertThat(Jsoup.parse(response.body()).selectFirst("form[action=/oauth/logout]")).isNotNull();
        assertThat(signedIn(browser)).isTrue();
    }

    @Test
    void withNoSessionTheBrowserGoesStraightBack() {
        Http.Response response = Http.browser().get("/oauth/logout?" + query("client_id", app.clientId(),
                "post_logout_redirect_uri", SIGNED_OUT));
        assertThat(response.status()).isEqualTo(302);
        assertThat(response.location()).isEqualTo(SIGNED_OUT);
    }

    @Test
    void aReturnAddressTheAppDidNotRegisterOrAForgedHintIsRefusedWithoutARedirect() {
        var browser = new OAuthBrowser(tenant.user());
        String idToken = signIn(browser);
        var otherApp = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("post_logout_redirect_uris",
                List.of("https://evil.example.test/")));

        for (String bad : List.of(
                query("client_id", app.clientId(), "post_logout_redirect_uri", "https://evil.example.test/"),
                query("post_logout_redirect_uri", SIGNED_OUT),
                query("id_token_hint", idToken, "client_id", otherApp.clientId(),
                        "post_logout_redirect_uri", "https://evil.example.test/"),
                query("client_id", "fooapp_nosuchapp"),
                query("state", "a", "state", "b"))) {
            Http.Response response = browser.http().get("/oauth/logout?" + bad);
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.header("Location")).as(bad).isNull();
            assertThat(response.header("Content-Type")).as(bad).startsWith("text/html");
        }
        assertThat(signedIn(browser)).isTrue();
    }

    @Test
    void aHintGatehouseCannotVerifyOrOfAnEarlierSessionOnlyMeansTheUserIsAsked() throws InterruptedException {
        var browser = new OAuthBrowser(tenant.user());
        String idToken = signIn(browser);
        for (String hint : List.of("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", idToken.substring(0, idToken.length() - 4) + "AAAA",
                "x".repeat(8_000))) {
            Http.Response response = browser.http().postForm("/oauth/logout", query("id_token_hint", hint));
            assertThat(response.status()).isEqualTo(200);
            assertThat(Jsoup.parse(response.body()).selectFirst("form[action=/oauth/logout]")).isNotNull();
            assertThat(signedIn(browser)).isTrue();
        }

        // Signed out and in again: the first session's ID token names the user, not this session.
        browser.http().get("/oauth/logout?" + query("id_token_hint", idToken));
        assertThat(signedIn(browser)).isFalse();
        Thread.sleep(1100); // auth_time is in seconds: the next session must begin in another one
        signIn(browser);
        Http.Response earlier = browser.http().get("/oauth/logout?" + query("id_token_hint", idToken));
        assertThat(earlier.status()).isEqualTo(200);
        assertThat(Jsoup.parse(earlier.body()).selectFirst("form[action=/oauth/logout]")).isNotNull();
        assertThat(signedIn(browser)).isTrue();

        // A confirmation sent as a link (GET), even with the right CSRF token, is only a request to ask.
        Http.Response linked = browser.http().get("/oauth/logout?" + query("confirm", "yes"));
        assertThat(linked.status()).isEqualTo(200);
        assertThat(signedIn(browser)).isTrue();
    }

    @Test
    void theManagementApiHoldsPostLogoutRedirectUrisToTheRedirectUriRules() {
        Http.Response bad = Fixtures.admin().putJson("/api/v1/oauth/clients/" + app.clientId(),
                Map.of("post_logout_redirect_uris", List.of("http://app.example.test/out")));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("validation_failed");
        assertThat(app.json().get("post_logout_redirect_uris").get(0).asText()).isEqualTo(SIGNED_OUT);
    }

    @Test
    void idTokenHintAtTheAuthorizationEndpointKeepsTheNamedUserOrAsksForThem() {
        var other = new OAuthBrowser(Fixtures.newUser());
        String othersIdToken = signIn(other);
        var browser = new OAuthBrowser(tenant.user());
        String ownIdToken = signIn(browser);

        Http.Response own = browser.open(authorizeQuery(Fixtures.pkce(), "id_token_hint", ownIdToken, "prompt", "none"));
        assertThat(Http.queryOf(own.location()).get("code")).isNotNull();

        Http.Response someoneElse = browser.open(authorizeQuery(Fixtures.pkce(), "id_token_hint", othersIdToken,
                "prompt", "none"));
        assertThat(Http.queryOf(someoneElse.location()).get("error")).isEqualTo("login_required");
        Http.Response login = browser.open(authorizeQuery(Fixtures.pkce(), "id_token_hint", othersIdToken));
        assertThat(login.location()).startsWith("/login?").doesNotContain("id_token_hint");

        var otherApp = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", "openid"));
        Http.Response foreign = browser.open(Http.form("response_type", "code", "client_id", otherApp.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "code_challenge", Fixtures.pkce().challenge(),
                "code_challenge_method", "S256", "id_token_hint", ownIdToken));
        assertThat(Http.queryOf(foreign.location()).get("error")).isEqualTo("invalid_request");
        Http.Response garbage = browser.open(authorizeQuery(Fixtures.pkce(), "id_token_hint", "not-a-jwt"));
        assertThat(Http.queryOf(garbage.location()).get("error")).isEqualTo("invalid_request");
    }
}
