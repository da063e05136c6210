package gatehouse.oauth;

import gatehouse.errors.OAuthException;
import gatehouse.web.JsonBody;
import java.util.UUID;

/** Typed reading of OAuth request parameters, failing with the protocol's own error. */
final class Parameters {
    private Parameters() {
    }

    /** The UUID in {@code value}, null when absent; invalid_request when malformed. */
    static UUID uuid(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return JsonBody.parseUuid(name, value);
        } catch (OAuthException e) {
            throw OAuthException.invalidRequest(name + " must be a UUID");
        }
    }
}
