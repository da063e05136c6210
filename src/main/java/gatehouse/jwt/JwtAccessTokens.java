package gatehouse.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.tokens.AccessToken;
import gatehouse.tokens.AccessTokenSigner;
import java.util.Date;
import org.jdbi.v3.core.Handle;

/**
 * RFC 9068 JWT access tokens: header {@code typ: at+jwt} and {@code kid}; claims {@code iss},
 * {@code sub}, {@code aud}, {@code exp}, {@code iat}, {@code jti} (the token's row ID), and
 * Gatehouse's {@code client_id}, {@code scope}, {@code organization_id}, {@code actor}, and for a
 * token acting as a user {@code email_verified}, so a resource server can tell unverified accounts.
 */
public final class JwtAccessTokens implements AccessTokenSigner {
    static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

    private final SigningKeys keys;
    private final String issuer;
    private final String audience;

    public JwtAccessTokens(SigningKeys keys, String issuer, String audience) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
    }

    @Override
    public Signed sign(Handle handle, AccessToken token, String alg, Boolean emailVerified) {
        SigningKeys.CurrentKey key = keys.currentKey(handle, alg);
        var header = new JWSHeader.Builder(key.alg()).type(AT_JWT).keyID(key.id().toString()).build();
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(token.subject())
                .audience(audience)
                .expirationTime(Date.from(token.expiresAt()))
                .issueTime(Date.from(token.createdAt()))
                .jwtID(token.id().toString())
                .claim("client_id", token.clientId())
                .claim("scope", token.scope())
                .claim("organization_id", token.organizationId() == null ? null : token.organizationId().toString())
                .claim("actor", token.actor())
                .claim("email_verified", token.userId() == null ? null : emailVerified)
                .build();
        var jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an access token with key " + key.id(), e);
        }
        return new Signed(jwt.serialize(), key.id());
    }
}
