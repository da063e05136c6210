package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * {@code authorization_code} (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is consumed at once;
 * presenting it again revokes everything issued from it (RFC 6749 §4.1.2). What redeeming it then
 * requires (the approval still holding; an ID token for {@code openid}) is {@link CodeRedemption}'s.
 */
public final class AuthorizationCodeGrant implements Grant {
    private final Transactions transactions;
    private final AuthorizationCodes codes;
    private final TokenFamilies families;
    private final CodeRedemption redemption;
    private final TokenCodec codec;
    private final Clock clock;

    public AuthorizationCodeGrant(Transactions transactions, AuthorizationCodes codes, TokenFamilies families,
                                  Issuance issuance, IdTokens idTokens, String issuer, TokenCodec codec, Clock clock) {
        this.transactions = transactions;
        this.codes = codes;
        this.families = families;
        this.redemption = new CodeRedemption(issuance, idTokens, issuer);
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.AUTHORIZATION_CODE;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("code", "redirect_uri", "code_verifier", "resource");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        String code = params.get("code");
        if (code == null) {
            throw OAuthException.invalidRequest("code is required");
        }
        if (!codec.isWellFormed(TokenKind.AUTHORIZATION_CODE, code)) {
            throw OAuthException.invalidGrant("malformed code");
        }
        Instant now = clock.instant();
        // Consuming the code, and revoking on replay, must commit even when the exchange is refused.
        return transactions.inTransaction(tx -> redeem(tx, client, code, params, dpopJkt, now)).orThrow();
    }

    private Outcome redeem(Tx tx, Client client, String code, Map<String, String> params, String dpopJkt, Instant now) {
        byte[] hash = TokenCodec.hash(code);
        var consumed = codes.consume(tx, hash, client.clientId(), now);
        if (consumed.isEmpty()) {
            return refuseUnusable(tx, client, hash);
        }
        // RFC 8707 §2.2: a resource asked for here must be the one the code was issued for.
        ResourceServers.requireAuthorized(params.get("resource"), consumed.get().code().resource());
        String problem = problemWith(consumed.get().code(), params);
        return problem != null ? Outcome.refused(problem) : redemption.redeem(tx, client, consumed.get(), type(), dpopJkt, now);
    }

    /** The code is unknown, another app's, or used: on replay, revoke what it issued. */
    private Outcome refuseUnusable(Tx tx, Client client, byte[] hash) {
        var existing = codes.find(tx, hash);
        if (existing.isEmpty() || !existing.get().clientId().equals(client.clientId())) {
            return Outcome.refused("unknown code, or another app's");
        }
        families.revoke(tx, existing.get().grantId());
        return Outcome.refused("code replayed; grant " + existing.get().grantId() + " revoked");
    }

    /** What the browser's code itself must match (its expiry is {@link CodeRedemption}'s). */
    private static String problemWith(AuthorizationCode code, Map<String, String> params) {
        if (code.redirectUri() == null) {
            // An approval for a device (RFC 8628) is redeemed by its device code, never as a code.
            return "this approval was given to a device";
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
}
