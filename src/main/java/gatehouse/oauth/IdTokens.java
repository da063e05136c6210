package gatehouse.oauth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import gatehouse.jwt.SigningKeys;

/** Signs the ID tokens of OpenID Connect sign-ins with the server's current signing keys. */
public interface IdTokens {

    /**
     * {@code claims} signed with the current key of {@code alg}, compact; {@code tx} is the exchange's
     * unit of work (no second connection).
     */
    String sign(Tx tx, String alg, JWTClaimsSet claims);

    /** With the signing keys on PostgreSQL, the same keys and JWKS as JWT access tokens. */
    static IdTokens postgres(SigningKeys keys) {
        return (tx, alg, claims) -> keys.sign(PostgresTransactions.handle(tx), alg, JOSEObjectType.JWT, claims).jwt();
    }
}
