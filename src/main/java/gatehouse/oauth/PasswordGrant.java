package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Ids;
import gatehouse.tokens.TokenGrant;
import gatehouse.users.User;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code password} (RFC 6749 §4.3), for trusted first-party apps a platform admin approved it for
 * (the token endpoint and the grant both check {@link Client#allowsGrant}): the user's own
 * credentials for a token acting as that user. The token has no organization unless
 * {@code organization_id} names one the user belongs to (docs/http.md, "Conventions"). Signing in
 * this way is the user's consent, recorded as the code flow records it, so the user sees the app
 * among their consents and can revoke it there.
 */
public final class PasswordGrant implements Grant {
    private final Transactions transactions;
    private final PasswordCheck passwords;
    private final OrgMembership memberships;
    private final ConsentRecording consents;
    private final Issuance issuance;
    private final Clock clock;

    public PasswordGrant(Transactions transactions, PasswordCheck passwords, OrgMembership memberships,
                         ConsentRecording consents, Issuance issuance, Clock clock) {
        this.transactions = transactions;
        this.passwords = passwords;
        this.memberships = memberships;
        this.consents = consents;
        this.issuance = issuance;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.PASSWORD;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("username", "password", "scope", "organization_id", "resource");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        if (!client.confidential()) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "public apps cannot use the password grant");
        }
        // The token endpoint checks this already; a grant that takes a user's password checks it again.
        if (!client.allowsGrant(type())) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app may not use " + type());
        }
        if (params.get("resource") != null) {
            throw OAuthException.of(OAuthError.INVALID_TARGET, "resource indicators are not supported with the password grant");
        }
        String username = params.get("username");
        String password = params.get("password");
        if (username == null || password == null) {
            throw OAuthException.invalidRequest("username and password are required");
        }
        Set<String> scopes = ScopeRequest.resolveDelegated(params.get("scope"), client.allowedScopes());
        if (scopes.contains(OpenIdConnect.SCOPE)) {
            // A sign-in goes through the authorization endpoint, where the ID token's facts come from.
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "openid is for the authorization code flow");
        }
        String scope = ScopeRequest.join(scopes);
        UUID organizationId = Parameters.uuid("organization_id", params.get("organization_id"));
        User user = authenticate(username, password);
        if (organizationId != null && !memberships.isMember(organizationId, user.id())) {
            throw OAuthException.invalidGrant("user is not a member of organization " + organizationId);
        }
        return transactions.inTransaction(tx -> {
            Instant now = clock.instant();
            consents.grant(tx, user.id(), client.clientId(), organizationId, ActorMode.SELF.value(), scopes);
            var family = new TokenGrant(Ids.newId(), client.clientId(), user.id(), organizationId, ActorMode.SELF.value(), scope,
                    type(), now, null, null);
            // Not installation-bound: a first-party app signs the same user in on several devices.
            return issuance.startFamily(tx, client, family, false, user.emailVerified(), dpopJkt);
        });
    }

    /** The user, or invalid_grant: at the token endpoint an unverified email is a refused grant too. */
    private User authenticate(String username, String password) {
        try {
            return passwords.authenticate(username, password)
                    .orElseThrow(() -> OAuthException.invalidGrant("wrong username or password"));
        } catch (OAuthException e) {
            if (e.error() == OAuthError.FORBIDDEN) {
                throw OAuthException.invalidGrant(e.description());
            }
            throw e;
        }
    }
}
