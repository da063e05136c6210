package gatehouse.oauth;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.clients.Client;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthException;
import gatehouse.installations.InstallationService;
import gatehouse.store.Database;
import gatehouse.tokens.RefreshToken;
import gatehouse.secrets.TokenCodec;
import gatehouse.tokens.TokenGrant;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenRepository;
import gatehouse.tokens.TokenService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * {@code refresh_token} (RFC 6749 §6) with rotation and reuse detection (OAuth 2.0 Security BCP
 * §4.14.2): each use retires the token; a retired token coming back revokes the whole family,
 * except the immediate predecessor once within the app's grace window (a client's concurrent retry),
 * which gets back the very successor it was exchanged for, so a family never forks into two live
 * branches. Apps that do not rotate keep one refresh token until it is revoked.
 */
public final class RefreshTokenGrant implements Grant {
    private final Database database;
    private final TokenRepository repository;
    private final TokenService tokens;
    private final TokenCodec codec;
    private final AuditLog audit;
    private final Clock clock;

    private final InstallationService installations;
    private final Encryption encryption;

    /** {@code encryption} seals the successor a retry within the grace window gets back. */
    public RefreshTokenGrant(Database database, TokenRepository repository, TokenService tokens, TokenCodec codec,
                             AuditLog audit, InstallationService installations, Clock clock, Encryption encryption) {
        this.installations = installations;
        this.encryption = encryption;
        this.database = database;
        this.audit = audit;
        this.repository = repository;
        this.tokens = tokens;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.REFRESH_TOKEN;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("refresh_token", "scope");
    }

    /** When a refresh token issued now expires: never, unless the app sets an absolute TTL. */
    static Instant expiryFor(Client client, Instant now) {
        return client.refreshTokenTtl() == null ? null : now.plusSeconds(client.refreshTokenTtl());
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params) {
        String value = params.get("refresh_token");
        if (value == null) {
            throw OAuthException.invalidRequest("refresh_token is required");
        }
        if (!codec.isWellFormed(TokenKind.REFRESH_TOKEN, value)) {
            throw OAuthException.invalidGrant("malformed refresh token");
        }
        Instant now = clock.instant();
        // A reuse detection's revocation must commit although the request is refused.
        return database.inTransaction(handle -> refresh(handle, client, value, params.get("scope"), now)).orThrow();
    }

    private Outcome refresh(Handle handle, Client client, String value, String requestedScope, Instant now) {
        var found = repository.lockRefreshToken(handle, TokenCodec.hash(value));
        if (found.isEmpty() || !found.get().token().clientId().equals(client.clientId())) {
            return Outcome.refused("unknown refresh token, or another app's");
        }
        RefreshToken token = found.get().token();
        TokenGrant grant = found.get().grant();
        if (token.revokedAt() != null || grant.revokedAt() != null) {
            return Outcome.refused("refresh token revoked");
        }
        if (token.isExpired(now)) {
            return Outcome.refused("refresh token expired");
        }
        if (found.get().ownerDisabled()) {
            return Outcome.refused("the user is disabled");
        }
        var permitted = scopesPermittedNow(handle, client, grant);
        if (permitted.isEmpty()) {
            return Outcome.refused("the app is no longer installed in this organization");
        }
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one — and never more than
        // the app may use now (an approval withdrawn, an installation narrowed), nor a service scope.
        Set<String> scope = ScopeRequest.resolveDelegated(requestedScope,
                java.util.Arrays.stream(token.scope().split(" ")).filter(permitted.get()::contains).toList());
        String nextRefresh;
        if (!client.refreshTokenRotation()) {
            nextRefresh = value;
        } else if (token.rotatedAt() == null) {
            nextRefresh = rotate(handle, client, grant, token, now);
        } else {
            Optional<String> successor = graceRetry(handle, client, token, now);
            if (successor.isEmpty()) {
                return reuseDetected(handle, client, grant);
            }
            nextRefresh = successor.get();
        }
        String scopeText = ScopeRequest.join(scope);
        // The new access token replaces the previous one: the installation's for an authorization,
        // the family's own for a password login (several devices may hold one each).
        boolean installationBound = !Client.PASSWORD.equals(grant.grantType());
        if (!installationBound) {
            repository.revokeGrantAccessTokens(handle, grant.id(), now);
        }
        var issued = tokens.issueAccessToken(handle, new TokenService.AccessSpec(client.clientId(), grant.tokenUserId(),
                grant.organizationId(), grant.actor(), scopeText, grant.id(), type(), installationBound,
                client.accessTokenTtl(), client.jwtSigningAlg(), found.get().ownerEmailVerified()));
        return Outcome.issued(new TokenResponse(issued.value(), "Bearer", client.accessTokenTtl(), nextRefresh,
                scopeText, grant.organizationId(), grant.actor()));
    }

    /**
     * Retires the token for a new one of the family. With a grace window, the new value is kept
     * encrypted on the retired row, so that a retry gets the same one back.
     */
    private String rotate(Handle handle, Client client, TokenGrant grant, RefreshToken token, Instant now) {
        String successor = tokens.issueRefreshToken(handle, grant.id(), token.id(), client.clientId(), token.scope(),
                token.expiresAt());
        String sealed = client.refreshTokenGraceSeconds() > 0
                ? encryption.encrypt(successor.getBytes(StandardCharsets.UTF_8)) : null;
        repository.markRotated(handle, token.id(), now, sealed);
        return successor;
    }

    /**
     * The successor the token was exchanged for, when this is the immediate predecessor of a live
     * token presented once more within refresh_token_grace_seconds of its use; empty otherwise.
     */
    private Optional<String> graceRetry(Handle handle, Client client, RefreshToken token, Instant now) {
        if (client.refreshTokenGraceSeconds() <= 0 || token.graceUsed()
                || !now.isBefore(token.rotatedAt().plusSeconds(client.refreshTokenGraceSeconds()))) {
            return Optional.empty();
        }
        return repository.claimGraceRetry(handle, token.id())
                .map(sealed -> new String(encryption.decrypt(sealed), StandardCharsets.UTF_8));
    }

    /** A retired token came back outside its grace: whoever holds the family is not to be trusted. */
    private Outcome reuseDetected(Handle handle, Client client, TokenGrant grant) {
        tokens.revokeGrant(handle, grant.id());
        audit.record(handle, Actor.client(client.clientId()), AuditLog.Event.of("token.reuse_detected")
                .client(client.clientId()).organization(grant.organizationId())
                .details(java.util.Map.of("grant_id", grant.id().toString())));
        return Outcome.refused("refresh token reused; grant " + grant.id() + " revoked");
    }

    /**
     * What the grant's tokens may carry now: the scopes the app may use, and for an installation
     * (actor app outside the owner organization) only those its organization approved. The
     * installation is held until commit; empty when it is gone.
     */
    private java.util.Optional<java.util.List<String>> scopesPermittedNow(Handle handle, Client client, TokenGrant grant) {
        boolean underInstallation = "app".equals(grant.actor()) && grant.organizationId() != null
                && !grant.organizationId().equals(client.ownerOrgId());
        if (!underInstallation) {
            return java.util.Optional.of(client.allowedScopes());
        }
        return installations.holdActive(handle, client.clientId(), grant.organizationId())
                .map(installation -> installation.scopes().stream().filter(client.allowedScopes()::contains).toList());
    }
}
