package gatehouse.tokens;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Turns an access token about to be stored into a signed JWT (RFC 9068), for apps whose
 * {@code access_token_format} is {@code jwt}. Implemented by the signing-keys feature, so this
 * package needs nothing of JOSE.
 */
public interface AccessTokenSigner {

    /**
     * How an app's JWT access tokens are signed: the algorithm, and the header's {@code typ}
     * ({@code at+jwt} as RFC 9068 says, or {@code JWT} for resource servers that accept only that).
     */
    record Format(String alg, String typ) {
    }

    /** A signed token: its compact serialization, and the ID of the key that signed it. */
    record Signed(String value, UUID keyId) {
    }

    /**
     * Signs {@code token} as {@code format} says, with the current key of its algorithm; {@code handle}
     * may be used for reads. {@code emailVerified} is the user's flag for a token acting as a user,
     * null otherwise.
     */
    Signed sign(Handle handle, AccessToken token, Format format, Boolean emailVerified);
}
