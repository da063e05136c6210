package gatehouse.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;

/** The token endpoint's success body (RFC 6749 §5.1 plus the installation facts of docs/http.md, "The OAuth flows"). */
public record TokenResponse(
        String accessToken,
        String tokenType,
        long expiresIn,
        @JsonInclude(JsonInclude.Include.NON_NULL) String refreshToken,
        String scope,
        UUID organizationId,
        String actor) {
}
