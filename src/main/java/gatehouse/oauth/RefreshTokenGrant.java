package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.RefreshToken;
import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code refresh_token} (RFC 6749 §6) with rotation and reuse detection (OAuth 2.0 Security BCP
 * §4.14.2): each use retires the token; a retired token coming back revokes the whole family,
 * except the immediate predecessor once within the app's grace window (a client's concurrent retry),
 * which gets back the very successor it was exchanged for, so a family never forks into two live
 * branches. Apps that do not rotate keep one refresh token until it is revoked.
 */
public final class RefreshTokenGrant implements Grant {
    private final Transactions transactions;
    private final TokenFamilies families;
    private final Issuance issuance;
    private final TokenCodec codec;
    private final Clock clock;
    private final Encryption encryption;

    /** {@code encryption} seals the successor a retry within the grace window gets back. */
    public RefreshTokenGrant(Transactions transactions, TokenFamilies families, Issuance issuance, TokenCodec codec,
                             Clock clock, Encryption encryption) {
        this.transactions = transactions;
        this.families = families;
        this.issuance = issuance;
        this.codec = codec;
        this.clock = clock;
        this.encryption = encryption;
    }

    @Override
    public String type() {
        return Client.REFRESH_TOKEN;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("refresh_token", "scope", "resource");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        String value = params.get("refresh_token");
        if (value == null) {
            throw OAuthException.invalidRequest("refresh_token is required");
        }
        if (!codec.isWellFormed(TokenKind.REFRESH_TOKEN, value)) {
            throw OAuthException.invalidGrant("malformed refresh token");
        }
        Instant now = clock.instant();
        // A reuse detection's revocation must commit although the request is refused.
        return transactions.inTransaction(tx -> refresh(tx, client, value, params, dpopJkt, now)).orThrow();
    }

    private Outcome refresh(Tx tx, Client client, String value, Map<String, String> params, String dpopJkt, Instant now) {
        String requestedScope = params.get("scope");
        var found = families.lockRefreshToken(tx, TokenCodec.hash(value));
        if (found.isEmpty() || !found.get().token().clientId().equals(client.clientId())) {
            return Outcome.refused("unknown refresh token, or another app's");
        }
        RefreshToken token = found.get().token();
        TokenGrant grant = found.get().grant();
        String unusable = whyUnusable(found.get(), now);
        if (unusable != null) {
            return Outcome.refused(unusable);
        }
        // RFC 9449 §5: a public app's refresh token is bound to the key of its family, which is
        // the key of the first proof the app presented for it (then on, a copy is useless alone).
        if (grant.dpopJkt() != null && !grant.dpopJkt().equals(dpopJkt)) {
            return Outcome.refused(OAuthError.INVALID_DPOP_PROOF,
                    "this refresh token is bound to a DPoP key: send a proof signed with that key");
        }
        if (grant.dpopJkt() == null && dpopJkt != null && Issuance.familyKey(client, dpopJkt) != null) {
            families.bindKey(tx, grant.id(), dpopJkt);
        }
        ResourceServers.requireAuthorized(params.get("resource"), grant.resource());
        var permitted = issuance.scopesPermittedNow(tx, client, grant.actor(), grant.organizationId());
        if (permitted.isEmpty()) {
            return Outcome.refused("the app is no longer installed in this organization");
        }
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one — and never more than
        // the app may use now (an approval withdrawn, an installation narrowed), nor a service scope.
        Set<String> scope = ScopeRequest.narrow(requestedScope,
                Arrays.stream(token.scope().split(" ")).filter(permitted.get()::contains).toList());
        Optional<Issuance.NextRefresh> next = nextRefreshToken(tx, client, token, value, now);
        if (next.isEmpty()) {
            families.revokeOnReuse(tx, client.clientId(), grant);
            return Outcome.refused("refresh token reused; grant " + grant.id() + " revoked");
        }
        // The new access token replaces the previous one: the installation's for an authorization,
        // the family's own for a password login (several devices may hold one each).
        boolean installationBound = !Client.PASSWORD.equals(grant.grantType());
        return Outcome.issued(issuance.continueFamily(tx, client, grant, ScopeRequest.join(scope), type(),
                installationBound, found.get().ownerEmailVerified(), next.get(), dpopJkt));
    }

    /** Why a known refresh token of the app cannot be used, or null when it can. */
    private static String whyUnusable(TokenFamilies.Found found, Instant now) {
        if (found.token().revokedAt() != null || found.grant().revokedAt() != null) {
            return "refresh token revoked";
        }
        if (found.token().isExpired(now)) {
            return "refresh token expired";
        }
        return found.ownerDisabled() ? "the user is disabled" : null;
    }

    /**
     * The refresh token the answer carries: the same one (no rotation), a new one (rotation), the
     * successor already given (a retry within the grace window); empty for a reused retired token.
     */
    private Optional<Issuance.NextRefresh> nextRefreshToken(Tx tx, Client client, RefreshToken token, String value,
                                                            Instant now) {
        if (!client.refreshTokenRotation()) {
            return Optional.of(Issuance.NextRefresh.kept(value));
        }
        if (token.rotatedAt() == null) {
            return Optional.of(rotate(client, token, now));
        }
        return graceRetry(tx, client, token, now).map(Issuance.NextRefresh::kept);
    }

    /**
     * Retires the token for a new one of the family (both stored with the exchange). With a grace
     * window, the new value is kept encrypted on the retired row, so that a retry gets the same one back.
     */
    private Issuance.NextRefresh rotate(Client client, RefreshToken token, Instant now) {
        var successor = issuance.successor(client, token);
        String sealed = client.refreshTokenGraceSeconds() > 0
                ? encryption.encrypt(successor.value().getBytes(StandardCharsets.UTF_8)) : null;
        return Issuance.NextRefresh.rotated(successor, new TokenService.Retirement(token.id(), now, sealed));
    }

    /**
     * The successor the token was exchanged for, when this is the immediate predecessor of a live
     * token presented once more within refresh_token_grace_seconds of its use; empty otherwise. A
     * retired token coming back any other way means whoever holds the family is not to be trusted.
     */
    private Optional<String> graceRetry(Tx tx, Client client, RefreshToken token, Instant now) {
        if (client.refreshTokenGraceSeconds() <= 0 || token.graceUsed()
                || !now.isBefore(token.rotatedAt().plusSeconds(client.refreshTokenGraceSeconds()))) {
            return Optional.empty();
        }
        return families.claimGraceRetry(tx, token.id())
                .map(sealed -> new String(encryption.decrypt(sealed), StandardCharsets.UTF_8));
    }
}
