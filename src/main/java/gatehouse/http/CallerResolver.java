package gatehouse.http;

import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.errors.OAuthException;
import gatehouse.oauth.TokenInfoEndpoint;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.tokens.AccessToken;
import gatehouse.tokens.TokenService;
import gatehouse.users.AuthRoutes;
import gatehouse.users.SessionService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the caller of a management request: a bearer token in {@code Authorization}, else the
 * session cookie — which, on an unsafe method, must come with a matching {@code X-CSRF-Token}.
 * The answer is kept on the request, so several checks cost one lookup.
 */
public final class CallerResolver implements CallerSource {
    private static final String ATTRIBUTE = "gatehouse.caller";
    private static final Set<HandlerType> SAFE = Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);

    private final SessionService sessions;
    private final TokenService tokens;
    private final ClientAuthenticator clients;

    private final RateLimiter limiter;
    private final RateLimiter.Limit apiLimit;

    public CallerResolver(SessionService sessions, TokenService tokens, ClientAuthenticator clients, RateLimiter limiter,
                          RateLimiter.Limit apiLimit) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.clients = clients;
        this.limiter = limiter;
        this.apiLimit = apiLimit;
    }

    @Override
    public Optional<Caller> optional(Context ctx) {
        Optional<Caller> cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return cached;
        }
        Optional<Caller> caller = resolve(ctx);
        ctx.attribute(ATTRIBUTE, caller);
        // Once per request (the answer is cached above): the management API's budget per credential.
        caller.ifPresent(c -> limiter.consume(ctx, apiLimit, c.rateLimitKey()));
        return caller;
    }

    @Override
    public Optional<Caller> session(Context ctx) {
        String cookie = ctx.cookie(AuthRoutes.SESSION_COOKIE);
        return cookie == null ? Optional.empty() : sessions.resolve(cookie);
    }

    @Override
    public Optional<Caller> basicClient(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (!ClientAuthenticator.isBasic(authorization)) {
            return Optional.empty();
        }
        return Optional.of(Caller.client(clients.authenticate(authorization, null, null, false).client().clientId()));
    }

    private Optional<Caller> resolve(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer", 0, 6)) {
            return Optional.of(bearer(TokenInfoEndpoint.bearerToken(authorization)));
        }
        Optional<Caller> caller = session(ctx);
        if (caller.isPresent() && !SAFE.contains(ctx.method())) {
            requireCsrf(ctx.header("X-CSRF-Token"), caller.get());
        }
        return caller;
    }

    private Caller bearer(String value) {
        var found = tokens.findActiveAccessToken(value)
                .orElseThrow(() -> OAuthException.invalidToken("unknown, expired or revoked token"));
        AccessToken token = found.token();
        Set<String> scopes = token.scope().isEmpty() ? new HashSet<>() : new HashSet<>(Arrays.asList(token.scope().split(" ")));
        boolean service = isServiceToken(token);
        if (!service) {
            scopes.removeAll(Caller.SERVICE_SCOPES);
        }
        return new Caller(Caller.Kind.BEARER, token.userId(), found.owner().username(), Set.copyOf(found.owner().roles()),
                null, null, token.clientId(), Set.copyOf(scopes), token.organizationId(), token.actor(), token.id(),
                service);
    }

    /**
     * An internal service's token: the app acting as itself in its own organization, issued by plain
     * client_credentials. Not a user's token, nor an installation's (client_credentials with an
     * organization_id, or an authorization by an organization's admin for actor app).
     */
    private static boolean isServiceToken(AccessToken token) {
        return token.userId() == null && ActorMode.APP.is(token.actor()) && "client_credentials".equals(token.grantType())
                && !token.singlePerInstallation();
    }

    private static void requireCsrf(String presented, Caller caller) {
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                caller.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw OAuthException.forbidden("a cookie-authenticated request must send a valid X-CSRF-Token header");
        }
    }
}
