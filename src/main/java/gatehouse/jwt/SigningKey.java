package gatehouse.jwt;

import java.time.Instant;
import java.util.UUID;

/** A key that signs JWT access tokens; its ID is the JWS {@code kid}. The private part is not here. */
public record SigningKey(UUID id, String alg, String publicJwk, Instant createdAt, Instant retiredAt) {

    public String kid() {
        return id.toString();
    }

    public boolean current() {
        return retiredAt == null;
    }

    public View view() {
        return new View(kid(), alg, createdAt, retiredAt, current());
    }

    /** What the admin API shows: never key material. */
    public record View(String kid, String alg, Instant createdAt, Instant retiredAt, boolean current) {
    }
}
