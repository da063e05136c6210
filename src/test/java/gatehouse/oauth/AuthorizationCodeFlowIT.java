package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.isActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;

/** The authorization-code flow as a person and an app meet it: pages, redirects, token calls. */
class AuthorizationCodeFlowIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("tasks");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));

    private String authorizeQuery(Fixtures.PkcePair pkce, String state) {
        return Http.form("response_type", "code", "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI,
                "scope", scope, "state", state, "code_challenge", pkce.challenge(), "code_challenge_method", "S256");
    }

    @Test
    void wholeFlowThroughLoginAndConsentPagesIssuesWorkingTokens() {
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(user);

        Http.Response first = browser.open(authorizeQuery(pkce, "st-123"));
        assertThat(first.status()).isEqualTo(302);
        assertThat(first.location()).startsWith("/login?return_to=");

        Http.Response consent = browser.signIn(first);
        assertThat(consent.status()).isEqualTo(200);
        assertThat(consent.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        assertThat(consent.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(consent.header("Referrer-Policy")).isEqualTo("no-referrer");
        var page = Jsoup.parse(consent.body());
        assertThat(page.text()).contains(app.json().get("name").asText()).contains("Read tasks");
        assertThat(page.select("input[type=checkbox][name=scope][value=" + scope + "][checked]")).hasSize(1);
        assertThat(page.select("select[name=organization_id] option[value=" + orgId + "]")).hasSize(1);
        assertThat(page.select("input[type=hidden][name=csrf_token]")).hasSize(1);

        Http.Response approved = browser.decide(consent, "yes");
        assertThat(approved.status()).isEqualTo(302);
        var callback = Http.queryOf(approved.location());
        assertThat(approved.location()).startsWith(Fixtures.REDIRECT_URI + "?");
        assertThat(callback.get("state")).isEqualTo("st-123");
        assertThat(callback.get("iss")).isEqualTo(TestServer.get().issuer());
        String code = callback.get("code");
        assertThat(code).startsWith("fooc_");

        Http.Response token = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier()), "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);
        assertThat(token.header("Cache-Control")).isEqualTo("no-store");
        assertThat(token.header("Pragma")).isEqualTo("no-cache");
        JsonNode tokens = token.json();
        assertThat(tokens.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.get("access_token").asText()).startsWith("foot_");
        assertThat(tokens.get("refresh_token").asText()).startsWith("foor_");
        assertThat(tokens.get("expires_in").asLong()).isEqualTo(3600);
        assertThat(tokens.get("scope").asText()).isEqualTo(scope);
        assertThat(tokens.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(tokens.get("actor").asText()).isEqualTo("self");
        String accessToken = tokens.get("access_token").asText();

        JsonNode info = api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken).json();
        assertThat(info.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(info.get("user_id").asText()).isEqualTo(user.id());
        assertThat(info.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(info.get("scopes")).hasSize(1);
        assertThat(info.get("expires_at").asText()).endsWith("Z");

        JsonNode introspection = api.postForm("/oauth/introspect", Http.form("token", accessToken),
                "Authorization", app.basic()).json();
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("username").asText()).isEqualTo(user.username());
        assertThat(introspection.get("sub").asText()).isEqualTo(user.id());
        assertThat(introspection.get("iss").asText()).isEqualTo(TestServer.get().issuer());

        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String newAccess = refreshed.json().get("access_token").asText();
        assertThat(newAccess).isNotEqualTo(accessToken);
        assertThat(refreshed.json().get("refresh_token").asText()).isNotEqualTo(tokens.get("refresh_token").asText());
        // The new access token replaces the previous one (one live token per installation).
        assertThat(isActive(app, accessToken)).isFalse();
        assertThat(isActive(app, newAccess)).isTrue();

        Http.Response revoked = api.postForm("/oauth/revoke", Http.form("token", newAccess), "Authorization", app.basic());
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(isActive(app, newAccess)).isFalse();
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + newAccess).status()).isEqualTo(401);
    }

    @Test
    void secondAuthorizationSkipsTheConsentPageUnlessPromptConsent() {
        var browser = new OAuthBrowser(user);
        String first = browser.authorize(authorizeQuery(Fixtures.pkce(), "one"));
        assertThat(Http.queryOf(first)).containsKey("code");

        Http.Response again = browser.open(authorizeQuery(Fixtures.pkce(), "two"));
        assertThat(again.status()).isEqualTo(302);
        assertThat(Http.queryOf(again.location())).containsKey("code").containsEntry("state", "two");

        Http.Response forced = browser.open(authorizeQuery(Fixtures.pkce(), "three") + "&prompt=consent");
        assertThat(forced.status()).isEqualTo(200);
        assertThat(forced.body()).contains("Approve");
    }

    @Test
    void denyRedirectsWithAccessDeniedStateAndIssuer() {
        var browser = new OAuthBrowser(user);
        Http.Response consent = browser.signIn(browser.open(authorizeQuery(Fixtures.pkce(), "deny-me")));
        Http.Response denied = browser.decide(consent, "no");
        assertThat(denied.status()).isEqualTo(302);
        var params = Http.queryOf(denied.location());
        assertThat(params).containsEntry("error", "access_denied").containsEntry("state", "deny-me")
                .containsEntry("iss", TestServer.get().issuer()).doesNotContainKey("code");
    }

    @Test
    void untickedScopesAreLeftOutOfTheToken() {
        String second = Fixtures.scope("notes", false);
        Fixtures.App wide = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope + " " + second));
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(user);
        String query = Http.form("response_type", "code", "client_id", wide.clientId(), "scope", scope + " " + second,
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256");
        Http.Response consent = browser.signIn(browser.open(query));
        Http.Response approved = browser.submitConsent(consent, "yes", List.of(second), null);
        String code = Http.queryOf(approved.location()).get("code");
        JsonNode tokens = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                "code_verifier", pkce.verifier()), "Authorization", wide.basic()).json();
        assertThat(tokens.get("scope").asText()).isEqualTo(second);
    }
}
