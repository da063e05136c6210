package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The current user's OAuth sessions (docs/http.md, "The OAuth flows"): exact shapes, revoking one, revoking all. */
class OAuthSessionsIT {
    private final Fixtures.Tenant tenant = Fixtures.tenant("sessions");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    private JsonNode authorize() {
        return app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()));
    }

    @Test
    void listWhenUserAuthorizedAnAppThenBareArrayWithTheContractShape() {
        JsonNode tokens = authorize();
        Http session = tenant.user().login();

        Http.Response response = session.get("/oauth/sessions");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode list = response.json();
        assertThat(list.isArray()).isTrue();
        assertThat(list).hasSize(1);
        JsonNode entry = list.get(0);
        assertThat(entry.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("token_id", "client_name", "client_id", "created_at", "scope");
        assertThat(entry.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(entry.get("client_name").asText()).isEqualTo(app.json().get("name").asText());
        assertThat(entry.get("created_at").isIntegralNumber()).isTrue();
        assertThat(entry.get("created_at").asLong()).isBetween(System.currentTimeMillis() / 1000 - 120,
                System.currentTimeMillis() / 1000 + 5);
        assertThat(entry.get("scope").asText()).isEqualTo(tenant.scope());
        assertThat(entry.get("token_id").asText()).hasSize(36);
        assertThat(session.get("/api/v1/oauth/sessions").json()).isEqualTo(list);
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isTrue();
    }

    @Test
    void deleteWhenOwnSessionThen204AndItsTokensDie() {
        JsonNode tokens = authorize();
        Http session = tenant.user().login();
        String tokenId = session.get("/oauth/sessions").json().get(0).get("token_id").asText();

        assertThat(session.delete("/oauth/sessions/" + tokenId).status()).isEqualTo(204);

        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isFalse();
        assertThat(session.get("/oauth/sessions").json()).isEmpty();
        assertThat(session.delete("/api/v1/oauth/sessions/" + tokenId).status()).isEqualTo(404);
    }

    @Test
    void deleteWhenAnotherUsersSessionThen404AndItStaysAlive() {
        JsonNode tokens = authorize();
        String tokenId = tenant.user().login().get("/oauth/sessions").json().get(0).get("token_id").asText();
        Http stranger = Fixtures.newUser().login();

        Http.Response response = stranger.delete("/oauth/sessions/" + tokenId);
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.text("error")).isEqualTo("not_found");
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isTrue();
    }

    @Test
    void revokeAllWhenTwoSessionsThenCountTwoAndNoneLeft() {
        JsonNode first = authorize();
        Fixtures.App other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        JsonNode second = other.exchange(new OAuthBrowser(tenant.user()).authorizationCode(other, tenant.scope()));
        Http session = tenant.user().login();

        Http.Response response = session.postJson("/oauth/revoke-all", Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("count").asInt()).isEqualTo(2);
        assertThat(response.json().get("message").asText()).isNotBlank();
        assertThat(app.isActive(first.get("refresh_token").asText())).isFalse();
        assertThat(other.isActive(second.get("access_token").asText())).isFalse();
        assertThat(session.get("/oauth/sessions").json()).isEmpty();
    }

    @Test
    void bearerTokenOfTheUserListsTheirSessionsButAnAppTokenHasNone() {
        JsonNode tokens = authorize();
        Http api = Http.anonymous();
        Http.Response mine = api.get("/oauth/sessions", "Authorization", "Bearer " + tokens.get("access_token").asText());
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json()).hasSize(1);

        Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
        String appToken = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).text("access_token");
        assertThat(api.get("/oauth/sessions", "Authorization", "Bearer " + appToken).status()).isEqualTo(403);
        assertThat(api.get("/oauth/sessions").status()).isEqualTo(401);
    }

    @Test
    void bearerTokenOfOneAppSeesAndEndsOnlyThatAppsSessionsWhileTheBrowserSeesAll() {
        JsonNode mine = authorize();
        Fixtures.App other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        JsonNode theirs = other.exchange(new OAuthBrowser(tenant.user()).authorizationCode(other, tenant.scope()));
        Http session = tenant.user().login();
        String otherSession = sessionOf(session, other.clientId());
        Http api = Http.anonymous();
        String bearer = "Bearer " + mine.get("access_token").asText();

        JsonNode listed = api.get("/oauth/sessions", "Authorization", bearer).json();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(session.get("/oauth/sessions").json()).hasSize(2);

        Http.Response foreign = api.delete("/oauth/sessions/" + otherSession, "Authorization", bearer);
        assertThat(foreign.status()).as(foreign.body()).isEqualTo(404);
        assertThat(foreign.text("error")).isEqualTo("not_found");
        assertThat(other.isActive(theirs.get("refresh_token").asText())).isTrue();

        Http.Response all = api.postForm("/oauth/revoke-all", "", "Authorization", bearer);
        assertThat(all.status()).as(all.body()).isEqualTo(200);
        assertThat(all.json().get("count").asInt()).isEqualTo(1);
        assertThat(app.isActive(mine.get("refresh_token").asText())).isFalse();
        assertThat(other.isActive(theirs.get("refresh_token").asText())).as("the other app's grant").isTrue();
        assertThat(other.isActive(theirs.get("access_token").asText())).isTrue();
        assertThat(session.get("/oauth/sessions").json()).hasSize(1);

        // The browser session ends any of the user's sessions.
        assertThat(session.delete("/oauth/sessions/" + otherSession).status()).isEqualTo(204);
        assertThat(other.isActive(theirs.get("refresh_token").asText())).isFalse();
    }

    private static String sessionOf(Http session, String clientId) {
        for (JsonNode entry : session.get("/oauth/sessions").json()) {
            if (entry.get("client_id").asText().equals(clientId)) {
                return entry.get("token_id").asText();
            }
        }
        throw new AssertionError("no session of " + clientId);
    }

    @Test
    void revokeAllWithSessionCookieButNoCsrfTokenThen403() {
        authorize();
        Http session = tenant.user().login();
        String csrf = session.csrf();
        session.csrf(null);
        assertThat(session.postJson("/oauth/revoke-all", Map.of()).status()).isEqualTo(403);
        session.csrf(csrf);
        assertThat(session.get("/oauth/sessions").json()).hasSize(1);
    }
}
