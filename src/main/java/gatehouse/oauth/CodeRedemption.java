package gatehouse.oauth;

import com.nimbusds.jose.JWSAlgorithm;
import gatehouse.auth.ActorMode;
import gatehouse.clients.Client;
import gatehouse.scopes.ScopeService;
import gatehouse.tokens.TokenGrant;
import java.time.Instant;
import java.util.Arrays;

/**
 * What redeeming an approval means, however it reached the app: an authorization code brought by
 * the browser's redirect (authorization_code) or one the device picked up by polling (device_code,
 * RFC 8628). The approval must still hold — the user's membership, a consent covering its scopes,
 * the installation — and then starts a token family; one that includes {@code openid} signs the
 * user in, so the answer carries an ID token too (OpenID Connect Core §3.1.3.3).
 */
final class CodeRedemption {
    private final Issuance issuance;
    private final IdTokens idTokens;
    private final String issuer;

    CodeRedemption(Issuance issuance, IdTokens idTokens, String issuer) {
        this.issuance = issuance;
        this.idTokens = idTokens;
        this.issuer = issuer;
    }

    /**
     * The tokens for a code just consumed whose own checks passed, or why what it was issued under
     * lapsed. With a DPoP key ({@code dpopJkt}) the access token is bound to it, and for a public app
     * the family too (its refresh tokens then need a proof by the same key, RFC 9449 §5).
     */
    Outcome redeem(Tx tx, Client client, AuthorizationCodes.Redeemed redeemed, String grantType, String dpopJkt,
                   Instant now) {
        AuthorizationCode code = redeemed.code();
        // Also what ends a code early: a password reset or "sign out everywhere" sets its expiry to now.
        if (!now.isBefore(code.expiresAt())) {
            return Outcome.refused("code expired");
        }
        String problem = lapsedSinceIssued(redeemed);
        if (problem != null) {
            return Outcome.refused(problem);
        }
        // Actor app outside the owner organization acts under an installation: it must still be there.
        if (issuance.scopesPermittedNow(tx, client, code.actor(), code.organizationId()).isEmpty()) {
            return Outcome.refused("the app is no longer installed in this organization");
        }
        return Outcome.issued(issue(tx, client, code, grantType, redeemed.emailVerified(), dpopJkt, now));
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

    private TokenResponse issue(Tx tx, Client client, AuthorizationCode code, String grantType, boolean emailVerified,
                                String dpopJkt, Instant now) {
        // A scope withdrawn from the app since the code was issued is no longer granted.
        String scope = ScopeRequest.join(Arrays.stream(code.scope().split(" "))
                .filter(client.allowedScopes()::contains).toList());
        var family = new TokenGrant(code.grantId(), client.clientId(), code.userId(), code.organizationId(),
                code.actor(), scope, grantType, now, null, Issuance.familyKey(client, dpopJkt), code.resource());
        TokenResponse issued = issuance.startFamily(tx, client, family, true, emailVerified, dpopJkt);
        if (!ScopeService.parse(scope).contains(OpenIdConnect.SCOPE)) {
            return issued;
        }
        var facts = new OpenIdConnect.IdTokenFacts(code.userId(), client.clientId(), code.organizationId(), code.nonce(),
                code.authTime(), issued.accessToken(), now, OpenIdConnect.idTokenExpiry(now, issued.expiresIn()));
        String alg = client.idTokenAlg();
        return issued.withIdToken(idTokens.sign(tx, alg, OpenIdConnect.idTokenClaims(issuer, facts, JWSAlgorithm.parse(alg))));
    }
}
