package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.consent.ConsentService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import gatehouse.users.User;
import gatehouse.users.UserService;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code password} (RFC 6749 §4.3), for trusted first-party apps a platform admin approved it for
 * (the token endpoint checks {@link Client#allowsGrant}): the user's own credentials for a token
 * acting as that user. The token has no organization unless {@code organization_id} names one the
 * user belongs to (docs/http.md, "Conventions"). Signing in this way is the user's consent, recorded as the code flow
 * records it, so the user sees the app among their consents and can revoke it there.
 */
public final class PasswordGrant implements Grant {
    private final Database database;
    private final UserService users;
    private final OrgService orgs;
    private final TokenService tokens;
    private final ConsentService consents;
    private final Clock clock;

    public PasswordGrant(Database database, UserService users, OrgService orgs, TokenService tokens,
                         ConsentService consents, Clock clock) {
        this.database = database;
        this.users = users;
        this.orgs = orgs;
        this.tokens = tokens;
        this.consents = consents;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.PASSWORD;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("username", "password", "scope", "organization_id");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params) {
        if (!client.confidential()) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "public apps cannot use the password grant");
        }
        String username = params.get("username");
        String password = params.get("password");
        if (username == null || password == null) {
            throw OAuthException.invalidRequest("username and password are required");
        }
        Set<String> scopes = ScopeRequest.resolveDelegated(params.get("scope"), client.allowedScopes());
        String scope = ScopeRequest.join(scopes);
        UUID organizationId = Parameters.uuid("organization_id", params.get("organization_id"));
        User user = authenticate(username, password);
        if (organizationId != null && orgs.roleOf(organizationId, user.id()).isEmpty()) {
            throw OAuthException.invalidGrant("user is not a member of organization " + organizationId);
        }
        return database.inTransaction(handle -> {
            Instant now = clock.instant();
            UUID grantId = Ids.newId();
            consents.grant(handle, user.id(), client.clientId(), organizationId, "self", scopes);
            tokens.createGrant(handle, new TokenGrant(grantId, client.clientId(), user.id(), organizationId, "self",
                    scope, type(), now, null));
            // Not installation-bound: a first-party app signs the same user in on several devices.
            var issued = tokens.issueAccessToken(handle, new TokenService.AccessSpec(client.clientId(), user.id(),
                    organizationId, "self", scope, grantId, type(), false, client.accessTokenTtl(),
                    client.jwtSigningAlg(), user.emailVerified()));
            String refresh = client.allowsGrant(Client.REFRESH_TOKEN)
                    ? tokens.issueRefreshToken(handle, grantId, null, client.clientId(), scope,
                            RefreshTokenGrant.expiryFor(client, now))
                    : null;
            return new TokenResponse(issued.value(), "Bearer", client.accessTokenTtl(), refresh, scope, organizationId,
                    "self");
        });
    }

    /** The user, or invalid_grant: at the token endpoint an unverified email is a refused grant too. */
    private User authenticate(String username, String password) {
        try {
            return users.authenticate(username, password)
                    .orElseThrow(() -> OAuthException.invalidGrant("wrong username or password"));
        } catch (OAuthException e) {
            if (e.error() == gatehouse.errors.OAuthError.FORBIDDEN) {
                throw OAuthException.invalidGrant(e.description());
            }
            throw e;
        }
    }
}
