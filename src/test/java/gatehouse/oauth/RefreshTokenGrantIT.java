package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.assertError;
import static gatehouse.testing.OAuthAssertions.isActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The refresh-token grant (docs/http.md, "The OAuth flows", RFC 6749 §6, OAuth 2.0 Security BCP §4.14): rotation, reuse
 * detection revoking the family, the grace window, non-rotating apps, scope narrowing, revocation.
 */
class RefreshTokenGrantIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("refresh");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();

    @Test
    void refreshWhenRotatingThenEachUseReturnsANewRefreshTokenAndRetiresTheOld() {
        Fixtures.App app = app(Map.of());
        JsonNode initial = tokensFor(app, scope);
        String r0 = initial.get("refresh_token").asText();

        JsonNode first = ok(refresh(app, r0, null));
        String r1 = first.get("refresh_token").asText();
        assertThat(r1).startsWith("foor_").isNotEqualTo(r0);
        assertThat(isActive(app, r0)).as("rotated refresh token").isFalse();
        assertThat(isActive(app, r1)).isTrue();

        JsonNode second = ok(refresh(app, r1, null));
        String r2 = second.get("refresh_token").asText();
        assertThat(r2).isNotEqualTo(r1).isNotEqualTo(r0);
        assertThat(isActive(app, second.get("access_token").asText())).isTrue();
    }

    @Test
    void refreshWhenRotatedTokenReusedThenInvalidGrantAndWholeFamilyRevoked() {
        Fixtures.App app = app(Map.of());
        String r0 = tokensFor(app, scope).get("refresh_token").asText();
        String r1 = ok(refresh(app, r0, null)).get("refresh_token").asText();
        JsonNode newest = ok(refresh(app, r1, null));
        String r2 = newest.get("refresh_token").asText();
        String a2 = newest.get("access_token").asText();
        assertThat(isActive(app, a2)).isTrue();

        assertError(refresh(app, r0, null), 400, "invalid_grant");

        assertThat(isActive(app, a2)).as("newest access token after reuse").isFalse();
        assertThat(isActive(app, r2)).as("newest refresh token after reuse").isFalse();
        assertError(refresh(app, r2, null), 400, "invalid_grant");
        assertThat(api.get("/oauth/token/info", "Authorization", "Bearer " + a2).status()).isEqualTo(401);
    }

    @Test
    void refreshWhenPreviousTokenRetriedWithinGraceThenAcceptedOnceThenFamilyRevoked() {
        Fixtures.App app = app(Map.of("refresh_token_grace_seconds", 30));
        String r0 = tokensFor(app, scope).get("refresh_token").asText();
        JsonNode first = ok(refresh(app, r0, null));
        String r1 = first.get("refresh_token").asText();

        // The client's concurrent retry with the token it just spent: accepted once.
        Http.Response retry = refresh(app, r0, null);
        assertThat(retry.status()).as("retry within grace: %s", retry.body()).isEqualTo(200);
        String retryRefresh = retry.json().get("refresh_token").asText();
        String retryAccess = retry.json().get("access_token").asText();
        assertThat(isActive(app, retryAccess)).isTrue();

        // A third use of the same token is reuse.
        assertError(refresh(app, r0, null), 400, "invalid_grant");

        assertThat(isActive(app, retryAccess)).as("access token of the family after reuse").isFalse();
        assertError(refresh(app, retryRefresh, null), 400, "invalid_grant");
        assertError(refresh(app, r1, null), 400, "invalid_grant");
    }

    @Test
    void refreshWhenRetriedWithinGraceThenTheSameSuccessorAndTheGrantKeepsOneLiveRefreshToken() {
        Fixtures.App app = app(Map.of("refresh_token_grace_seconds", 30));
        String r0 = tokensFor(app, scope).get("refresh_token").asText();
        JsonNode first = ok(refresh(app, r0, null));
        String r1 = first.get("refresh_token").asText();

        JsonNode retry = ok(refresh(app, r0, null));
        assertThat(retry.get("refresh_token").asText()).as("the successor handed out the first time").isEqualTo(r1);
        assertThat(isActive(app, retry.get("access_token").asText())).isTrue();

        // The family did not fork: one live refresh token, and it is the one both answers carried.
        JsonNode live = Fixtures.admin().get("/api/v1/oauth/tokens?client_id=" + app.clientId()).json().get("data");
        List<JsonNode> refreshTokens = new ArrayList<>();
        live.forEach(token -> {
            if ("refresh".equals(token.get("type").asText())) {
                refreshTokens.add(token);
            }
        });
        assertThat(refreshTokens).hasSize(1);
        assertThat(user.login().get("/oauth/sessions").json()).hasSize(1);
        assertThat(isActive(app, r1)).isTrue();
        String r2 = ok(refresh(app, r1, null)).get("refresh_token").asText();
        assertThat(r2).isNotEqualTo(r1);
    }

    @Test
    void refreshWhenAppDoesNotRotateThenSameTokenKeepsWorkingAndAccessTokenReplaced() {
        Fixtures.App app = app(Map.of("refresh_token_rotation", false));
        JsonNode initial = tokensFor(app, scope);
        String refreshToken = initial.get("refresh_token").asText();
        String previousAccess = initial.get("access_token").asText();

        for (int i = 0; i < 3; i++) {
            JsonNode next = ok(refresh(app, refreshToken, null));
            if (next.hasNonNull("refresh_token")) {
                assertThat(next.get("refresh_token").asText()).as("a non-rotating app keeps its refresh token")
                        .isEqualTo(refreshToken);
            }
            String access = next.get("access_token").asText();
            assertThat(access).isNotEqualTo(previousAccess);
            assertThat(isActive(app, previousAccess)).as("replaced access token, round %d", i).isFalse();
            assertThat(isActive(app, access)).isTrue();
            previousAccess = access;
        }
        assertThat(isActive(app, refreshToken)).isTrue();
    }

    @Test
    void refreshWhenNarrowerScopeRequestedThenTokenNarrowedAndOriginalScopeKept() {
        String second = Fixtures.scope("refresh2", false);
        String third = Fixtures.scope("refresh3", false);
        Fixtures.App app = app(Map.of("scope", scope + " " + second + " " + third));
        JsonNode initial = tokensFor(app, scope + " " + second);
        assertThat(Set.of(initial.get("scope").asText().split(" "))).containsExactlyInAnyOrder(scope, second);

        JsonNode narrowed = ok(refresh(app, initial.get("refresh_token").asText(), scope));
        assertThat(narrowed.get("scope").asText()).isEqualTo(scope);
        JsonNode info = api.get("/oauth/token/info", "Authorization", "Bearer " + narrowed.get("access_token").asText())
                .json();
        assertThat(info.get("scopes")).extracting(JsonNode::asText).containsExactly(scope);

        // RFC 6749 §6: an omitted scope means the scope originally granted.
        JsonNode again = ok(refresh(app, narrowed.get("refresh_token").asText(), null));
        assertThat(Set.of(again.get("scope").asText().split(" "))).containsExactlyInAnyOrder(scope, second);
    }

    @Test
    void refreshWhenWiderScopeRequestedThenInvalidScope() {
        String second = Fixtures.scope("refresh2", false);
        Fixtures.App app = app(Map.of("scope", scope + " " + second));
        JsonNode initial = tokensFor(app, scope);

        // Registered for the app, but not granted by the user.
        Http.Response response = refresh(app, initial.get("refresh_token").asText(), scope + " " + second);

        assertError(response, 400, "invalid_scope");
    }

    @Test
    void revokeWhenRefreshTokenRevokedThenFamilyAndAccessTokensRevoked() {
        Fixtures.App app = app(Map.of());
        JsonNode initial = tokensFor(app, scope);
        JsonNode current = ok(refresh(app, initial.get("refresh_token").asText(), null));
        String refreshToken = current.get("refresh_token").asText();
        String accessToken = current.get("access_token").asText();

        Http.Response revoked = api.postForm("/oauth/revoke",
                Http.form("token", refreshToken, "token_type_hint", "refresh_token"), "Authorization", app.basic());

        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(isActive(app, accessToken)).as("access token of the revoked family").isFalse();
        assertThat(isActive(app, refreshToken)).isFalse();
        assertError(refresh(app, refreshToken, null), 400, "invalid_grant");
    }

    @Test
    void refreshWhenTokenBelongsToAnotherAppThenInvalidGrantAndFamilyLeftAlone() {
        Fixtures.App app = app(Map.of());
        Fixtures.App other = app(Map.of());
        JsonNode tokens = tokensFor(app, scope);
        String refreshToken = tokens.get("refresh_token").asText();

        assertError(refresh(other, refreshToken, null), 400, "invalid_grant");

        assertThat(isActive(app, tokens.get("access_token").asText())).as("owner's access token").isTrue();
        assertThat(isActive(app, refreshToken)).as("owner's refresh token").isTrue();
        Http.Response owner = refresh(app, refreshToken, null);
        assertThat(owner.status()).as(owner.body()).isEqualTo(200);
    }

    // ---- helpers ----

    private Fixtures.App app(Map<String, Object> overrides) {
        Map<String, Object> body = new HashMap<>(Map.of("scope", scope));
        body.putAll(overrides);
        return Fixtures.app(Fixtures.admin(), orgId, body);
    }

    /** Tokens for {@code app} through the browser flow and a code exchange. */
    private JsonNode tokensFor(Fixtures.App app, String requestedScope) {
        JsonNode tokens = app.exchange(new OAuthBrowser(user).authorizationCode(app, requestedScope));
        assertThat(tokens.get("refresh_token").asText()).startsWith("foor_");
        return tokens;
    }

    private Http.Response refresh(Fixtures.App app, String refreshToken, String scope) {
        String form = scope == null
                ? Http.form("grant_type", "refresh_token", "refresh_token", refreshToken)
                : Http.form("grant_type", "refresh_token", "refresh_token", refreshToken, "scope", scope);
        return api.postForm("/oauth/token", form, "Authorization", app.basic());
    }

    private static JsonNode ok(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        return response.json();
    }
}
