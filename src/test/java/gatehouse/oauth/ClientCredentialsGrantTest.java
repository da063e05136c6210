package gatehouse.oauth;

import static gatehouse.oauth.GrantBench.refused;
import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.store.Ids;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The client_credentials grant's rules (RFC 6749 §4.4): a service token in the owner organization,
 * or an installation token limited to what the installing organization approved; one test each, on
 * in-memory stores.
 */
class ClientCredentialsGrantTest {
    private final GrantBench rules = new GrantBench();

    private Client serviceApp(String... scopes) {
        return rules.app().grantTypes(Client.CLIENT_CREDENTIALS).actorModes("app").scopes(scopes).build();
    }

    private UUID installedElsewhere(Client app, String... approved) {
        UUID organizationId = Ids.newId();
        rules.world.install(app.clientId(), organizationId, List.of(approved));
        return organizationId;
    }

    // --- who may use it

    @Test
    void tokenWhenAppIsPublicThenUnauthorizedClient() {
        Client app = rules.app().grantTypes(Client.CLIENT_CREDENTIALS).actorModes("app").publicClient().build();
        refused(() -> rules.clientCredentials(app), OAuthError.UNAUTHORIZED_CLIENT);
    }

    @Test
    void installationTokenWhenAppDoesNotActAsItselfThenUnauthorizedClient() {
        Client app = rules.app().grantTypes(Client.CLIENT_CREDENTIALS).actorModes("self").build();
        refused(() -> rules.clientCredentials(app, "organization_id", rules.orgId.toString()),
                OAuthError.UNAUTHORIZED_CLIENT);
    }

    // --- the service token: the app in its owner organization

    @Test
    void serviceTokenWhenNoOrganizationNamedThenOwnerOrganizationAndEveryScopeTheAppMayUse() {
        Client app = serviceApp("read", "admin:*");
        TokenResponse response = rules.clientCredentials(app);
        assertThat(response.organizationId()).isEqualTo(rules.orgId);
        assertThat(response.actor()).isEqualTo("app");
        assertThat(response.scope()).isEqualTo("read admin:*");
        assertThat(response.refreshToken()).isNull();
        var token = rules.world.activeAccessToken(response.accessToken()).orElseThrow();
        assertThat(token.userId()).isNull();
        assertThat(token.singlePerInstallation()).isFalse();
    }

    @Test
    void serviceTokenWhenIssuedAgainThenBothStayLive() {
        Client app = serviceApp("read");
        TokenResponse first = rules.clientCredentials(app);
        TokenResponse second = rules.clientCredentials(app);
        assertThat(rules.active(first.accessToken())).isTrue();
        assertThat(rules.active(second.accessToken())).isTrue();
    }

    @Test
    void serviceTokenWhenScopeBeyondTheAppsThenInvalidScope() {
        Client app = serviceApp("read");
        refused(() -> rules.clientCredentials(app, "scope", "write"), OAuthError.INVALID_SCOPE);
    }

    // --- the installation token: the app in an organization that installed it

    @Test
    void installationTokenWhenInstalledThenOnlyTheScopesTheOrganizationApproved() {
        Client app = serviceApp("read", "write");
        UUID organizationId = installedElsewhere(app, "read");
        TokenResponse response = rules.clientCredentials(app, "organization_id", organizationId.toString());
        assertThat(response.organizationId()).isEqualTo(organizationId);
        assertThat(response.scope()).isEqualTo("read");
        assertThat(rules.world.activeAccessToken(response.accessToken()).orElseThrow().singlePerInstallation())
                .isTrue();
    }

    @Test
    void installationTokenWhenScopeBeyondTheApprovedThenInvalidScope() {
        Client app = serviceApp("read", "write");
        UUID organizationId = installedElsewhere(app, "read");
        refused(() -> rules.clientCredentials(app, "organization_id", organizationId.toString(), "scope", "write"),
                OAuthError.INVALID_SCOPE);
    }

    @Test
    void installationTokenWhenNotInstalledThenUnauthorizedClient() {
        Client app = serviceApp("read");
        var refusal = refused(() -> rules.clientCredentials(app, "organization_id", Ids.newId().toString()),
                OAuthError.UNAUTHORIZED_CLIENT);
        assertThat(refusal.description()).isEqualTo("the app is not installed in this organization");
    }

    @Test
    void installationTokenWhenIssuedAgainThenThePreviousOneIsRevoked() {
        Client app = serviceApp("read");
        UUID organizationId = installedElsewhere(app, "read");
        TokenResponse first = rules.clientCredentials(app, "organization_id", organizationId.toString());
        TokenResponse second = rules.clientCredentials(app, "organization_id", organizationId.toString());
        assertThat(rules.active(first.accessToken())).isFalse();
        assertThat(rules.active(second.accessToken())).isTrue();
    }

    @Test
    void installationTokenWhenOwnerOrganizationNamedThenEveryDelegableScopeWithoutInstallation() {
        Client app = serviceApp("read", "admin:*");
        TokenResponse response = rules.clientCredentials(app, "organization_id", rules.orgId.toString());
        assertThat(response.scope()).isEqualTo("read");
    }

    @Test
    void installationTokenWhenServiceScopeAskedByNameThenInvalidScope() {
        Client app = serviceApp("read", "admin:*");
        refused(() -> rules.clientCredentials(app, "organization_id", rules.orgId.toString(), "scope", "admin:*"),
                OAuthError.INVALID_SCOPE);
    }

    @Test
    void tokenWhenOrganizationIdMalformedThenInvalidRequest() {
        Client app = serviceApp("read");
        refused(() -> rules.clientCredentials(app, "organization_id", "not-a-uuid"), OAuthError.INVALID_REQUEST);
    }
}
