package gatehouse.users;

import java.util.Set;
import java.util.UUID;

/**
 * Who is making a request: a browser session's user, or a bearer token acting as its user (actor
 * {@code self}) or as its app (actor {@code app}, then {@code userId} is null).
 */
public record Caller(
        Kind kind,
        UUID userId,
        String username,
        Set<String> roles,
        UUID sessionId,
        String csrfToken,
        String clientId,
        Set<String> scopes,
        UUID organizationId,
        String actor,
        UUID tokenId) {

    public static final String ADMIN_SCOPE = "admin:*";

    public enum Kind { SESSION, BEARER }

    public static Caller session(User user, UUID sessionId, String csrfToken) {
        return new Caller(Kind.SESSION, user.id(), user.username(), Set.copyOf(user.roles()), sessionId, csrfToken,
                null, Set.of(), null, "self", null);
    }

    public boolean isSession() {
        return kind == Kind.SESSION;
    }

    /**
     * Platform admin (API.md §3): a session of an admin user, or a bearer token carrying
     * {@code admin:*} that belongs to an admin user or to an app whose {@code admin:*} was approved
     * (it could not hold the scope otherwise).
     */
    public boolean isPlatformAdmin() {
        if (kind == Kind.SESSION) {
            return roles.contains(User.ROLE_ADMIN);
        }
        if (!scopes.contains(ADMIN_SCOPE)) {
            return false;
        }
        return userId == null || roles.contains(User.ROLE_ADMIN);
    }

    /** What the management API's rate limit counts by: the browser session or the access token. */
    public String rateLimitKey() {
        return sessionId != null ? "session:" + sessionId : "token:" + tokenId;
    }

    /** The caller as the audit log records it. */
    public gatehouse.audit.Actor auditActor() {
        return userId != null ? gatehouse.audit.Actor.user(userId, clientId) : gatehouse.audit.Actor.client(clientId);
    }

    /** True when this caller may use the management API as its user: a session, or a token with admin:*. */
    public boolean mayManage() {
        return kind == Kind.SESSION || scopes.contains(ADMIN_SCOPE);
    }
}
