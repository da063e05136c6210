package gatehouse.oauth;

import com.nimbusds.jose.JWSAlgorithm;
import gatehouse.auth.ActorMode;
import gatehouse.clients.Client;
import gatehouse.errors.OAuthException;
import gatehouse.scopes.ScopeService;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenGrant;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * {@code authorization_code} (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is consumed at once;
 * presenting it again revokes everything issued from it (RFC 6749 §4.1.2). A code is
 * redeemed only while what it was issued under still holds: the user's membership of its
 * organization and a consent covering its scopes. A code whose scopes include {@code openid} signs
 * the user in: the answer carries an ID token too (OpenID Connect Core §3.1.3.3).
 */
public final class AuthorizationCodeGrant implements Grant {
    private final Transactions transactions;
    private final AuthorizationCodes codes;
    private final TokenFamilies families;
    private final Issuance issuance;
    private final IdTokens idTokens;
    private final String issuer;
    private final TokenCodec codec;
    private final Clock clock;

    public AuthorizationCodeGrant(Transactions transactions, AuthorizationCodes codes, TokenFamilies families,
                                  Issuance issuance, IdTokens idTokens, String issuer, TokenCodec codec, Clock clock) {
        this.transactions = transactions;
        this.codes = codes;
        this.families = families;
        this.issuance = issuance;
        this.idTokens = idTokens;
        this.issuer = issuer;
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
        return transactions.inTransaction(tx -> redeem(tx, client, code, params, now)).orThrow();
    }

    private Outcome redeem(Tx tx, Client client, String code, Map<String, String> params, Instant now) {
        byte[] hash = TokenCodec.hash(code);
        var consumed = codes.consume(tx, hash, client.clientId(), now);
        if (consumed.isEmpty()) {
            return refuseUnusable(tx, client, hash);
        }
        AuthorizationCode authorization = consumed.get().code();
        String problem = problemWith(authorization, params, now);
        if (problem == null) {
            problem = lapsedSinceIssued(consumed.get());
        }
        if (problem != null) {
            return Outcome.refused(problem);
        }
        // Actor app outside the owner organization acts under an installation: it must still be there.
        if (issuance.scopesPermittedNow(tx, client, authorization.actor(), authorization.organizationId()).isEmpty()) {
            return Outcome.refused("the app is no longer installed in this organization");
        }
        return Outcome.issued(issue(tx, client, authorization, consumed.get().emailVerified(), now));
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

    /** What the code was issued under and no longer holds, or null. */
    private static String lapsedSinceIssued(AuthorizationCodes.Redeemed redeemed) {
        if (!redeemed.stillMember()) {
            return ActorMode.APP.is(redeemed.code().actor())
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

    private TokenResponse issue(Tx tx, Client client, AuthorizationCode code, boolean emailVerified, Instant now) {
        // A scope withdrawn from the app since the code was issued is no longer granted.
        String scope = ScopeRequest.join(Arrays.stream(code.scope().split(" "))
                .filter(client.allowedScopes()::contains).toList());
        var family = new TokenGrant(code.grantId(), client.clientId(), code.userId(), code.organizationId(),
                code.actor(), scope, type(), now, null);
        TokenResponse issued = issuance.startFamily(tx, client, family, true, emailVerified);
        if (!ScopeService.parse(scope).contains(OpenIdConnect.SCOPE)) {
            return issued;
        }
        var facts = new OpenIdConnect.IdTokenFacts(code.userId(), client.clientId(), code.organizationId(), code.nonce(),
                code.authTime(), issued.accessToken(), now, OpenIdConnect.idTokenExpiry(now, issued.expiresIn()));
        String alg = client.idTokenAlg();
        return issued.withIdToken(idTokens.sign(tx, alg, OpenIdConnect.idTokenClaims(issuer, facts, JWSAlgorithm.parse(alg))));
    }
}
