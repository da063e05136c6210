package gatehouse.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import gatehouse.store.StoredJson;
import gatehouse.tokens.AccessToken;
import gatehouse.tokens.AccessTokenSigner;
import java.util.Date;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * RFC 9068 JWT access tokens: header {@code typ: at+jwt} and {@code kid}; claims {@code iss},
 * {@code sub}, {@code aud}, {@code exp}, {@code iat}, {@code jti} (the token's row ID), and
 * Gatehouse's {@code client_id}, {@code scope}, {@code organization_id}, {@code actor}, and for a
 * token acting as a user {@code email_verified}, so a resource server can tell unverified accounts.
 */
public final class JwtAccessTokens implements AccessTokenSigner {
    private final SigningKeys keys;
    private final String issuer;
    private final String audience;

    public JwtAccessTokens(SigningKeys keys, String issuer, String audience) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
    }

    @Override
    public Signed sign(Handle handle, AccessToken token, Format format, Boolean emailVerified) {
        var claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(token.subject())
                // RFC 8707: a token asked for one resource server names it; any other, the default audience.
                .audience(token.audience() != null ? token.audience() : audience)
                .expirationTime(Date.from(token.expiresAt()))
                .issueTime(Date.from(token.createdAt()))
                .jwtID(token.id().toString())
                .claim("client_id", token.clientId())
                .claim("scope", token.scope())
                .claim("organization_id", token.organizationId() == null ? null : token.organizationId().toString())
                .claim("actor", token.actor())
                .claim("email_verified", token.userId() == null ? null : emailVerified)
                // RFC 9449 §6.1: the key a DPoP-bound token is bound to.
                .claim("cnf", token.dpopJkt() == null ? null : Map.of("jkt", token.dpopJkt()))
                // RFC 8693 §4.1: who acts for the subject, for a token issued by token exchange.
                .claim("act", token.act() == null ? null : StoredJson.read(token.act(), Map.class))
                .build();
        SigningKeys.Signed signed = keys.sign(handle, format.alg(), new JOSEObjectType(format.typ()), claims);
        return new Signed(signed.jwt(), signed.keyId());
    }
}
