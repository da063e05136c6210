package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.tokens.TokenService;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code client_credentials} (RFC 6749 §4.4): the app acts as itself. Without
 * {@code organization_id} it gets a service token in its owner organization (any number may be
 * live); with one, an installation token that replaces the previous one (API.md §4).
 */
public final class ClientCredentialsGrant implements Grant {
    private final Database database;
    private final TokenService tokens;

    public ClientCredentialsGrant(Database database, TokenService tokens) {
        this.database = database;
        this.tokens = tokens;
    }

    @Override
    public String type() {
        return Client.CLIENT_CREDENTIALS;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("scope", "organization_id");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params) {
        if (!client.confidential()) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "public apps cannot use client_credentials");
        }
        String scope = ScopeRequest.join(ScopeRequest.resolve(params.get("scope"), client.approvedScopes()));
        UUID organizationId = installationOf(client, params.get("organization_id"));
        boolean installation = organizationId != null;
        var spec = new TokenService.AccessSpec(client.clientId(), null,
                installation ? organizationId : client.ownerOrgId(), "app", scope, null, type(), installation,
                client.accessTokenTtl(), client.jwtSigningAlg());
        // A service token is one INSERT; an installation token also retires its predecessor, atomically.
        var issued = installation
                ? database.inTransaction(handle -> tokens.issueAccessToken(handle, spec))
                : database.withHandle(handle -> tokens.issueAccessToken(handle, spec));
        return new TokenResponse(issued.value(), "Bearer", client.accessTokenTtl(), null, scope,
                issued.token().organizationId(), "app");
    }

    /**
     * The organization the token is for, when one is named. Until installations exist (the
     * organizations issue), an app is installed in its owner organization only.
     */
    private static UUID installationOf(Client client, String organizationId) {
        if (organizationId == null) {
            return null;
        }
        UUID id = Parameters.uuid("organization_id", organizationId);
        if (!id.equals(client.ownerOrgId()) || !client.actorModes().contains("app")) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "the app is not installed in this organization");
        }
        return id;
    }
}
