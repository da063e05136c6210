package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.auth.ServiceScopes;
import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code client_credentials} (RFC 6749 §4.4): the app acts as itself. Without
 * {@code organization_id} it gets a service token in its owner organization (any number may be
 * live); with one, an installation token that replaces the previous one (docs/http.md, "The OAuth flows"), for an
 * organization that installed the app (or its owner organization), limited to the scopes that
 * organization approved. Only the service token may carry service scopes ({@link ServiceScopes}).
 * Both are limited to the scopes the app may use now ({@link Client#allowedScopes()}).
 */
public final class ClientCredentialsGrant implements Grant {
    private final Transactions transactions;
    private final Issuance issuance;
    private final ResourceServers resources;

    /** {@code resources}: what a {@code resource} parameter may name (RFC 8707), the token's audience then. */
    public ClientCredentialsGrant(Transactions transactions, Issuance issuance, ResourceServers resources) {
        this.transactions = transactions;
        this.issuance = issuance;
        this.resources = resources;
    }

    public ClientCredentialsGrant(Transactions transactions, Issuance issuance) {
        this(transactions, issuance, ResourceServers.NONE);
    }

    @Override
    public String type() {
        return Client.CLIENT_CREDENTIALS;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("scope", "organization_id", "resource");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        if (!client.confidential()) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "public apps cannot use client_credentials");
        }
        UUID organizationId = params.get("organization_id") == null ? null
                : Parameters.uuid("organization_id", params.get("organization_id"));
        String resource = resources.resolve(params.get("resource"));
        if (organizationId == null) {
            // A service token of the owner organization: one row, written with the others issued
            // at the same time (group commit), no transaction of its own.
            Set<String> scopes = ScopeRequest.resolve(params.get("scope"), client.allowedScopes());
            OpenIdConnect.requireUserFor(scopes, ActorMode.APP.value());
            return issuance.serviceToken(client, ScopeRequest.join(scopes), type(), dpopJkt, resource);
        }
        // An installation token: checked against the installation (held until commit, so a
        // disconnect cannot slip in between) and retiring its predecessor, in one transaction.
        return transactions.inTransaction(tx -> {
            Set<String> scopes = ScopeRequest.resolveDelegated(params.get("scope"), installedScopes(tx, client, organizationId));
            OpenIdConnect.requireUserFor(scopes, ActorMode.APP.value());
            String scope = ScopeRequest.join(scopes);
            return issuance.appToken(tx, client, organizationId, scope, type(), true, dpopJkt, resource);
        });
    }

    /**
     * The scopes the app may hold acting as itself in the organization: all it may use in its owner
     * organization, and of those, the ones the organization's admins approved where it is installed.
     */
    private List<String> installedScopes(Tx tx, Client client, UUID organizationId) {
        if (!client.actorModes().contains(ActorMode.APP.value())) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app does not act as itself");
        }
        return issuance.scopesPermittedNow(tx, client, ActorMode.APP.value(), organizationId)
                .orElseThrow(() -> OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT,
                        "the app is not installed in this organization"));
    }
}
