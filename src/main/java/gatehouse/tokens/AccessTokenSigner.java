package gatehouse.tokens;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Turns an access token about to be stored into a signed JWT (RFC 9068), for apps whose
 * {@code access_token_format} is {@code jwt}. Implemented by the signing-keys feature, so this
 * package needs nothing of JOSE.
 */
public interface AccessTokenSigner {

    /** A signed token: its compact serialization, and the ID of the key that signed it. */
    record Signed(String value, UUID keyId) {
    }

    /**
     * Signs {@code token} with the current key of {@code alg}; {@code handle} may be used for reads.
     * {@code emailVerified} is the user's flag for a token acting as a user, null otherwise.
     */
    Signed sign(Handle handle, AccessToken token, String alg, Boolean emailVerified);
}
