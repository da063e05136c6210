package gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /api/v1/oauth/tokens and POST /api/v1/oauth/tokens/bulk-revoke (docs/http.md, "The management API"). */
class TokenManagementIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("tokens");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    private JsonNode authorize(Fixtures.App which) {
        return which.exchange(new OAuthBrowser(tenant.user()).authorizationCode(which, tenant.scope()));
    }

    private static List<JsonNode> all(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        response.json().get("data").forEach(items::add);
        return items;
    }

    @Test
    void appWithBasicSeesItsOwnLiveTokensWithTheirFactsButNeverTheirValues() {
        JsonNode tokens = authorize(app);
        List<JsonNode> listed = all(api.get("/api/v1/oauth/tokens", "Authorization", app.basic()));

        assertThat(listed).extracting(t -> t.get("type").asText()).containsExactlyInAnyOrder("access", "refresh");
        for (JsonNode token : listed) {
            assertThat(token.fieldNames()).toIterable().containsExactlyInAnyOrder("id", "type", "client_id", "user_id",
                    "organization_id", "actor", "scope", "created_at", "expires_at");
            assertThat(token.get("client_id").asText()).isEqualTo(app.clientId());
            assertThat(token.get("user_id").asText()).isEqualTo(tenant.user().id());
            assertThat(token.get("organization_id").asText()).isEqualTo(tenant.orgId());
            assertThat(token.get("actor").asText()).isEqualTo("self");
            assertThat(token.toString()).doesNotContain(tokens.get("access_token").asText())
                    .doesNotContain(tokens.get("refresh_token").asText());
        }
    }

    @Test
    void appCannotListAnotherAppsTokens() {
        Fixtures.App other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        authorize(other);
        assertThat(all(api.get("/api/v1/oauth/tokens", "Authorization", app.basic()))).isEmpty();
        assertThat(api.get("/api/v1/oauth/tokens?client_id=" + other.clientId(), "Authorization", app.basic()).status())
                .isEqualTo(403);
    }

    @Test
    void adminListsWithFiltersAndNonAdminIsRefused() {
        authorize(app);
        List<JsonNode> byUser = all(Fixtures.admin().get("/api/v1/oauth/tokens?user_id=" + tenant.user().id()));
        assertThat(byUser).hasSize(2).allSatisfy(t -> assertThat(t.get("user_id").asText()).isEqualTo(tenant.user().id()));
        List<JsonNode> byOrg = all(Fixtures.admin().get("/api/v1/oauth/tokens?organization_id=" + tenant.orgId()
                + "&client_id=" + app.clientId() + "&limit=1"));
        assertThat(byOrg).hasSize(1);

        assertThat(tenant.user().login().get("/api/v1/oauth/tokens").status()).isEqualTo(403);
        assertThat(api.get("/api/v1/oauth/tokens").status()).isEqualTo(401);
        assertThat(Fixtures.admin().get("/api/v1/oauth/tokens?user_id=nope").status()).isEqualTo(400);
    }

    @Test
    void revokedAndRotatedTokensAreNotListed() {
        JsonNode tokens = authorize(app);
        api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token",
                tokens.get("refresh_token").asText()), "Authorization", app.basic());
        List<JsonNode> listed = all(api.get("/api/v1/oauth/tokens", "Authorization", app.basic()));
        assertThat(listed).hasSize(2); // the new access token and the new refresh token only
    }

    @Test
    void bulkRevokeByUserRevokesEveryTokenOfThatUserAndCountsThem() {
        JsonNode first = authorize(app);
        Fixtures.App other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        JsonNode second = authorize(other);

        Http.Response response = Fixtures.admin().postJson("/api/v1/oauth/tokens/bulk-revoke",
                Map.of("user_id", tenant.user().id()));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("revoked").asInt()).isEqualTo(4);
        assertThat(app.isActive(first.get("access_token").asText())).isFalse();
        assertThat(app.isActive(first.get("refresh_token").asText())).isFalse();
        assertThat(other.isActive(second.get("access_token").asText())).isFalse();
        assertThat(all(Fixtures.admin().get("/api/v1/oauth/tokens?user_id=" + tenant.user().id()))).isEmpty();
    }

    @Test
    void bulkRevokeByAnAppTouchesOnlyItsOwnTokens() {
        JsonNode mine = authorize(app);
        Fixtures.App other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        JsonNode theirs = authorize(other);

        Http.Response response = api.send("POST", "/api/v1/oauth/tokens/bulk-revoke", "application/json",
                "{\"user_id\":\"" + tenant.user().id() + "\"}", "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("revoked").asInt()).isEqualTo(2);
        assertThat(app.isActive(mine.get("access_token").asText())).isFalse();
        assertThat(other.isActive(theirs.get("access_token").asText())).isTrue();
    }

    @Test
    void bulkRevokeWithoutAnyFilterByAnAdminIsRefused() {
        Http.Response response = Fixtures.admin().postJson("/api/v1/oauth/tokens/bulk-revoke", Map.of());
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.text("error")).isEqualTo("validation_failed");
    }
}
