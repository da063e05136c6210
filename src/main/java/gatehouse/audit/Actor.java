package gatehouse.audit;

import java.util.UUID;

/** Who did something, as the audit log records it. */
public record Actor(String type, String id, String clientId) {
    public static final Actor ANONYMOUS = new Actor("anonymous", null, null);
    /** Gatehouse itself (the vault refreshing a token, a background job). */
    public static final Actor SYSTEM = new Actor("system", null, null);

    public static Actor user(UUID userId, String viaClientId) {
        return new Actor("user", userId.toString(), viaClientId);
    }

    public static Actor client(String clientId) {
        return new Actor("client", clientId, clientId);
    }
}
