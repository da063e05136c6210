package gatehouse.auth;

import gatehouse.audit.Actor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.UUID;

/**
 * Who is making a request: a browser session's user, or a bearer token acting as its user (actor
 * {@code self}) or as its app (actor {@code app}, then {@code userId} is null).
 *
 * <p>{@code service} marks a service token: an app acting as itself in its own organization through
 * plain {@code client_credentials} (no {@code organization_id}, no user) — an internal service of the
 * SaaS. Only a service token carries {@link #SERVICE_SCOPES} in {@code scopes}: the resolver drops
 * them from every other token (a user's, or an installation's), so no check downstream can mistake
 * a delegated or installed grant for an approved service.
 *
 * <p>{@code signedInAt} is when a session's user signed in (null for every other caller).
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
        UUID tokenId,
        boolean service,
        Instant signedInAt) {

    public static final String ADMIN_SCOPE = "admin:*";
    public static final String CONNECTIONS_READ_SCOPE = "connections:read";
    public static final String EVENTS_PUBLISH_SCOPE = "events:publish";
    /**
     * Restricted service scopes: capabilities an admin approves for an internal service, honoured
     * only on a service token (see {@link #service()}). They never belong in a grant a user delegates.
     */
    public static final Set<String> SERVICE_SCOPES = Set.of(ADMIN_SCOPE, CONNECTIONS_READ_SCOPE, EVENTS_PUBLISH_SCOPE);

    /** The platform role that may do everything in the management API. */
    public static final String ROLE_ADMIN = "admin";

    /** A browser session, a bearer access token, or an app authenticating with its own credentials (Basic). */
    public enum Kind { SESSION, BEARER, CLIENT }

    /** An app that authenticated with its client ID and secret: it acts as itself and nothing more. */
    public static Caller client(String clientId) {
        return new Caller(Kind.CLIENT, null, null, Set.of(), null, null, clientId, Set.of(), null, ActorMode.APP.value(), null, false,
                null);
    }

    public boolean isClient() {
        return kind == Kind.CLIENT;
    }

    /**
     * A browser session of the user, whose unsafe requests must bring {@code csrfToken}, begun when
     * the user signed in at {@code signedInAt} (an ID token's {@code auth_time}).
     */
    public static Caller session(UUID userId, String username, Collection<String> roles, UUID sessionId,
                                 String csrfToken, Instant signedInAt) {
        return new Caller(Kind.SESSION, userId, username, Set.copyOf(roles), sessionId, csrfToken, null, Set.of(), null,
                ActorMode.SELF.value(), null, false, signedInAt);
    }

    public boolean isSession() {
        return kind == Kind.SESSION;
    }

    /** Whether {@code presented} is this session's CSRF token, compared in constant time. */
    public boolean csrfMatches(String presented) {
        return presented != null && csrfToken != null && MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), csrfToken.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Platform admin: a session of an admin user, or a service token whose app an admin approved for
     * {@code admin:*} (only a service token keeps that scope, see the class comment).
     */
    public boolean isPlatformAdmin() {
        if (kind == Kind.SESSION) {
            return roles.contains(ROLE_ADMIN);
        }
        return service && scopes.contains(ADMIN_SCOPE);
    }

    /** A service token holding {@code scope} (one of {@link #SERVICE_SCOPES}, approved by an admin). */
    public boolean isServiceWith(String scope) {
        return kind == Kind.BEARER && service && scopes.contains(scope);
    }

    /** What the management API's rate limit counts by: the browser session or the access token. */
    public String rateLimitKey() {
        return sessionId != null ? "session:" + sessionId : "token:" + tokenId;
    }

    /** The caller as the audit log records it. */
    public Actor auditActor() {
        return userId != null ? Actor.user(userId, clientId) : Actor.client(clientId);
    }

    /** True when this caller may use the management API: a browser session, or a service token with admin:*. */
    public boolean mayManage() {
        return kind == Kind.SESSION || isPlatformAdmin();
    }
}
