package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthException;
import gatehouse.installations.InstallationService;
import gatehouse.store.Database;
import gatehouse.secrets.TokenCodec;
import gatehouse.tokens.TokenGrant;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenService;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * {@code authorization_code} (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is consumed by one
 * statement; presenting it again revokes everything issued from it (RFC 6749 §4.1.2). A code is
 * redeemed only while what it was issued under still holds: the user's membership of its
 * organization and a consent covering its scopes.
 */
public final class AuthorizationCodeGrant implements Grant {
    private final Database database;
    private final AuthorizationCodeRepository codes;
    private final TokenService tokens;
    private final TokenCodec codec;
    private final Clock clock;

    private final InstallationService installations;

    public AuthorizationCodeGrant(Database database, AuthorizationCodeRepository codes, TokenService tokens,
                                  TokenCodec codec, InstallationService installations, Clock clock) {
        this.installations = installations;
        this.database = database;
        this.codes = codes;
        this.tokens = tokens;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.AUTHORIZATION_CODE;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("code", "redirect_uri", "code_verifier");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params) {
        String code = params.get("code");
        if (code == null) {
            throw OAuthException.invalidRequest("code is required");
        }
        if (!codec.isWellFormed(TokenKind.AUTHORIZATION_CODE, code)) {
            throw OAuthException.invalidGrant("malformed code");
        }
        Instant now = clock.instant();
        // Consuming the code, and revoking on replay, must commit even when the exchange is refused.
        return database.inTransaction(handle -> redeem(handle, client, code, params, now)).orThrow();
    }

    private Outcome redeem(Handle handle, Client client, String code, Map<String, String> params, Instant now) {
        byte[] hash = TokenCodec.hash(code);
        var consumed = codes.consume(handle, hash, client.clientId(), now);
        if (consumed.isEmpty()) {
            return refuseUnusable(handle, client, hash);
        }
        AuthorizationCode authorization = consumed.get().code();
        String problem = problemWith(authorization, params, now);
        if (problem == null) {
            problem = lapsedSinceIssued(consumed.get());
        }
        if (problem != null) {
            return Outcome.refused(problem);
        }
        if (!stillInstalled(handle, client, authorization.actor(), authorization.organizationId())) {
            return Outcome.refused("the app is no longer installed in this organization");
        }
        return Outcome.issued(issue(handle, client, authorization, consumed.get().emailVerified(), now));
    }

    /**
     * Actor app outside the owner organization acts under an installation: it must still be there,
     * and it is held until this transaction commits (a disconnect then revokes what is issued here).
     */
    static boolean stillInstalled(Handle handle, InstallationService installations, Client client, String actor,
                                  java.util.UUID organizationId) {
        return !"app".equals(actor) || organizationId == null || organizationId.equals(client.ownerOrgId())
                || installations.holdActive(handle, client.clientId(), organizationId).isPresent();
    }

    private boolean stillInstalled(Handle handle, Client client, String actor, java.util.UUID organizationId) {
        return stillInstalled(handle, installations, client, actor, organizationId);
    }

    /** The code is unknown, another app's, or used: on replay, revoke what it issued. */
    private Outcome refuseUnusable(Handle handle, Client client, byte[] hash) {
        var existing = codes.find(handle, hash);
        if (existing.isEmpty() || !existing.get().clientId().equals(client.clientId())) {
            return Outcome.refused("unknown code, or another app's");
        }
        tokens.revokeGrant(handle, existing.get().grantId());
        return Outcome.refused("code replayed; grant " + existing.get().grantId() + " revoked");
    }

    /** What the code was issued under and no longer holds, or null. */
    private static String lapsedSinceIssued(AuthorizationCodeRepository.Redeemed redeemed) {
        if (!redeemed.stillMember()) {
            return "app".equals(redeemed.code().actor())
                    ? "the user no longer administers the code's organization"
                    : "the user is no longer a member of the code's organization";
        }
        if (!redeemed.consentCovers()) {
            return "the consent the code was issued under was revoked or no longer covers its scopes";
        }
        return null;
    }

    private static String problemWith(AuthorizationCode code, Map<String, String> params, Instant now) {
        if (!now.isBefore(code.expiresAt())) {
            return "code expired";
        }
        String redirectUri = params.get("redirect_uri");
        // RFC 6749 §4.1.3: required if the authorization request had it, and equal to it.
        if ((code.redirectUriSent() && redirectUri == null)
                || (redirectUri != null && !redirectUri.equals(code.redirectUri()))) {
            return "redirect_uri does not match the authorization request";
        }
        String verifier = params.get("code_verifier");
        if (code.codeChallenge() == null) {
            return verifier == null ? null : "code_verifier sent but the authorization request had no challenge";
        }
        if (verifier == null) {
            return "code_verifier missing";
        }
        return Pkce.verify(code.codeChallenge(), verifier) ? null : "code_verifier does not match the challenge";
    }

    private TokenResponse issue(Handle handle, Client client, AuthorizationCode code, boolean emailVerified,
                                Instant now) {
        // A scope withdrawn from the app since the code was issued is no longer granted.
        String scope = ScopeRequest.join(java.util.Arrays.stream(code.scope().split(" "))
                .filter(client.allowedScopes()::contains).toList());
        tokens.createGrant(handle, new TokenGrant(code.grantId(), client.clientId(), code.userId(),
                code.organizationId(), code.actor(), scope, type(), now, null));
        // Actor app acts as the app itself: the token has no user, whoever approved it.
        var issued = tokens.issueAccessToken(handle, new TokenService.AccessSpec(client.clientId(),
                TokenGrant.userFor(code.actor(), code.userId()), code.organizationId(), code.actor(), scope,
                code.grantId(), type(), true, client.accessTokenTtl(), client.jwtSigningAlg(), emailVerified));
        String refresh = client.allowsGrant(Client.REFRESH_TOKEN)
                ? tokens.issueRefreshToken(handle, code.grantId(), null, client.clientId(), scope,
                        RefreshTokenGrant.expiryFor(client, now))
                : null;
        return new TokenResponse(issued.value(), "Bearer", client.accessTokenTtl(), refresh, scope,
                code.organizationId(), code.actor());
    }
}
