package gatehouse.users;

import java.time.Instant;
import java.util.UUID;

/** A logged-in browser, known by the SHA-256 of its cookie value. */
public record BrowserSession(
        UUID id,
        UUID userId,
        String csrfToken,
        String ip,
        String userAgent,
        Instant createdAt,
        Instant lastSeenAt,
        Instant expiresAt) {

    /** What {@code GET /api/v1/auth/sessions} shows. */
    public record View(UUID id, Instant createdAt, Instant lastSeenAt, String ip, String userAgent, boolean current) {
    }

    public View view(UUID currentSessionId) {
        return new View(id, createdAt, lastSeenAt, ip, userAgent, id.equals(currentSessionId));
    }
}
