package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client-credentials grant (docs/http.md, "The OAuth flows", RFC 6749 §4.4): service tokens of the app in its owner
 * organization (not limited in number), installation tokens with {@code organization_id} (one live
 * at a time), and who may use the grant at all.
 */
class ClientCredentialsGrantIT {
    private final Http api = Http.anonymous();
    private Http owner;
    private String orgId;
    private String read;
    private String write;
    private Fixtures.App app;

    @BeforeEach
    void setUp() {
        Fixtures.User user = Fixtures.newUser();
        owner = user.login();
        orgId = Fixtures.org(owner);
        read = Fixtures.scope("svc", false);
        write = Fixtures.scope("svcw", false);
        app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", read + " " + write));
    }

    @Test
    void tokenWhenConfidentialAppUsesClientCredentialsThenActsAsAppInOwnerOrganization() {
        Http.Response response = token(app, "grant_type", "client_credentials");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.header("Pragma")).isEqualTo("no-cache");
        JsonNode tokens = response.json();
        assertThat(tokens.get("access_token").asText()).startsWith("foot_");
        assertThat(tokens.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.get("actor").asText()).isEqualTo("app");
        assertThat(tokens.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(tokens.hasNonNull("refresh_token")).as("no refresh token: %s", tokens).isFalse();
        assertThat(Set.of(tokens.get("scope").asText().split(" "))).as("all approved scopes")
                .containsExactlyInAnyOrder(read, write);

        String accessToken = tokens.get("access_token").asText();
        JsonNode info = api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken).json();
        assertThat(info.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(info.hasNonNull("user_id")).as("no user: %s", info).isFalse();
        assertThat(info.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(info.get("actor").asText()).isEqualTo("app");

        JsonNode introspection = introspection(app, accessToken);
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("sub").asText()).isEqualTo(app.clientId());
        assertThat(introspection.get("actor").asText()).isEqualTo("app");
        assertThat(introspection.get("organization_id").asText()).isEqualTo(orgId);
    }

    @Test
    void tokenWhenScopeRequestedThenTokenHasExactlyThatScope() {
        Http.Response response = token(app, "grant_type", "client_credentials", "scope", read);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("scope").asText()).isEqualTo(read);
        assertThat(introspection(app, response.json().get("access_token").asText()).get("scope").asText())
                .isEqualTo(read);
    }

    @Test
    void tokenWhenScopeNotRegisteredForAppThenInvalidScope() {
        String elsewhere = Fixtures.scope("notmine", false);

        assertError(token(app, "grant_type", "client_credentials", "scope", elsewhere), 400, "invalid_scope");
        assertError(token(app, "grant_type", "client_credentials", "scope", read + " " + elsewhere), 400, "invalid_scope");
        assertError(token(app, "grant_type", "client_credentials", "scope", Fixtures.unique("nosuch") + ":read"),
                400, "invalid_scope");
    }

    @Test
    void tokenWhenAppNotRegisteredForClientCredentialsThenUnauthorizedClient() {
        Fixtures.App codeOnly = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", read));

        assertError(token(codeOnly, "grant_type", "client_credentials"), 400, "unauthorized_client");
    }

    @Test
    void tokenWhenPublicAppAsksForClientCredentialsThenUnauthorizedClient() {
        Fixtures.App publicApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", read, "confidential", false));

        Http.Response response = api.postForm("/oauth/token",
                Http.form("grant_type", "client_credentials", "client_id", publicApp.clientId()));

        assertError(response, 400, "unauthorized_client");
    }

    @Test
    void tokenWhenRestrictedScopeAwaitsApprovalThenLeftOutAndRefused() {
        String restricted = Fixtures.scope("svcr", true);
        // Registered by the organization's owner, not an admin: the restricted scope waits for approval.
        Fixtures.App pending = Fixtures.app(owner, orgId, Map.of("grant_types", List.of("client_credentials"),
                "scope", read + " " + restricted));

        Http.Response all = token(pending, "grant_type", "client_credentials");
        assertThat(all.status()).as(all.body()).isEqualTo(200);
        assertThat(all.json().get("scope").asText()).as("only approved scopes").isEqualTo(read);

        assertError(token(pending, "grant_type", "client_credentials", "scope", restricted), 400, "invalid_scope");
    }

    @Test
    void tokenWhenSecretPostedInBodyThenIssuedAndBothMethodsAtOnceInvalidRequest() {
        Http.Response posted = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "client_id", app.clientId(), "client_secret", app.secret()));
        assertThat(posted.status()).as(posted.body()).isEqualTo(200);

        Http.Response both = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "client_id", app.clientId(), "client_secret", app.secret()), "Authorization", app.basic());
        assertError(both, 400, "invalid_request");
    }

    @Test
    void tokenWhenGrantTypeMissingOrUnknownThenInvalidRequestOrUnsupportedGrantType() {
        assertError(token(app, "scope", read), 400, "invalid_request");
        assertError(token(app, "grant_type", "urn:example:nonsense"), 400, "unsupported_grant_type");
    }

    @Test
    void tokenWhenNoOrganizationRequestedThenServiceTokensAreNotLimited() {
        String first = ok(token(app, "grant_type", "client_credentials")).get("access_token").asText();
        String second = ok(token(app, "grant_type", "client_credentials")).get("access_token").asText();

        assertThat(second).isNotEqualTo(first);
        assertThat(introspection(app, first).get("active").asBoolean()).as("first service token").isTrue();
        assertThat(introspection(app, second).get("active").asBoolean()).as("second service token").isTrue();
    }

    @Test
    void tokenWhenOwnerOrganizationRequestedThenNewTokenReplacesThePrevious() {
        JsonNode first = ok(token(app, "grant_type", "client_credentials", "organization_id", orgId));
        assertThat(first.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(first.get("actor").asText()).isEqualTo("app");
        String firstToken = first.get("access_token").asText();
        assertThat(introspection(app, firstToken).get("active").asBoolean()).isTrue();

        String secondToken = ok(token(app, "grant_type", "client_credentials", "organization_id", orgId))
                .get("access_token").asText();

        assertThat(introspection(app, firstToken).get("active").asBoolean()).as("replaced installation token").isFalse();
        assertThat(introspection(app, secondToken).get("active").asBoolean()).isTrue();
    }

    @Test
    void tokenWhenOrganizationDoesNotHaveTheAppThenUnauthorizedClient() {
        String otherOrg = Fixtures.org(owner);

        assertError(token(app, "grant_type", "client_credentials", "organization_id", otherOrg), 400,
                "unauthorized_client");
        assertError(token(app, "grant_type", "client_credentials", "organization_id", UUID.randomUUID().toString()),
                400, "unauthorized_client");
    }

    @Test
    void revokeWhenTokenBelongsToAnotherAppThenOkAndTokenLeftActive() {
        Fixtures.App other = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "scope", read));
        String accessToken = ok(token(app, "grant_type", "client_credentials")).get("access_token").asText();

        Http.Response revoked = api.postForm("/oauth/revoke", Http.form("token", accessToken), "Authorization", other.basic());

        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(introspection(app, accessToken).get("active").asBoolean()).as("another app's token").isTrue();
    }

    // ---- helpers ----

    private Http.Response token(Fixtures.App app, String... form) {
        return api.postForm("/oauth/token", Http.form(form), "Authorization", app.basic());
    }

    private JsonNode introspection(Fixtures.App app, String token) {
        Http.Response response = api.postForm("/oauth/introspect", Http.form("token", token), "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static JsonNode ok(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }
}
