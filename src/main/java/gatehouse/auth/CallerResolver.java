package gatehouse.auth;

import gatehouse.errors.OAuthException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Finds the caller of a management request: a bearer token in {@code Authorization}, else the
 * session cookie — which, on an unsafe method, must come with a matching {@code X-CSRF-Token}.
 * The answer is kept on the request, so several checks cost one lookup. The features that hold
 * credentials answer through {@link Credentials}' interfaces.
 */
public final class CallerResolver implements CallerSource {
    private static final String ATTRIBUTE = "gatehouse.caller";
    private static final String SESSION_ATTRIBUTE = "gatehouse.session-caller";
    private static final Set<HandlerType> SAFE = Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);

    /** The browser session's cookie. */
    public static final String SESSION_COOKIE = "gatehouse_session";

    private final Credentials.Sessions sessions;
    private final Credentials.AccessTokens tokens;
    private final Credentials.ClientSecrets clients;
    private final Credentials.RequestBudget budget;
    private final DPoPProofs proofs;

    public CallerResolver(Credentials.Sessions sessions, Credentials.AccessTokens tokens,
                          Credentials.ClientSecrets clients, Credentials.RequestBudget budget, DPoPProofs proofs) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.clients = clients;
        this.budget = budget;
        this.proofs = proofs;
    }

    @Override
    public Optional<Caller> optional(Context ctx) {
        return onceWithBudget(ctx, ATTRIBUTE, () -> resolve(ctx));
    }

    @Override
    public Optional<Caller> session(Context ctx) {
        String cookie = ctx.cookie(SESSION_COOKIE);
        return cookie == null ? Optional.empty() : sessions.resolve(cookie);
    }

    @Override
    public Optional<Caller> budgetedSession(Context ctx) {
        return onceWithBudget(ctx, SESSION_ATTRIBUTE, () -> session(ctx));
    }

    /**
     * The caller {@code find} answers, kept on the request under {@code attribute} so several checks
     * cost one lookup, and the management API's budget per credential spent once per request.
     */
    private Optional<Caller> onceWithBudget(Context ctx, String attribute, Supplier<Optional<Caller>> find) {
        Optional<Caller> cached = ctx.attribute(attribute);
        if (cached != null) {
            return cached;
        }
        Optional<Caller> caller = find.get();
        ctx.attribute(attribute, caller);
        caller.ifPresent(c -> budget.spend(ctx, c.rateLimitKey()));
        return caller;
    }

    @Override
    public Optional<Caller> basicClient(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        return Optional.of(Caller.client(clients.authenticate(authorization)));
    }

    private Optional<Caller> resolve(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null && (authorization.regionMatches(true, 0, "Bearer", 0, 6)
                || authorization.regionMatches(true, 0, "DPoP", 0, 4))) {
            return Optional.of(bearer(ctx, DPoPProofs.presented(authorization)));
        }
        Optional<Caller> caller = session(ctx);
        if (caller.isPresent() && !SAFE.contains(ctx.method())) {
            requireCsrf(ctx.header("X-CSRF-Token"), caller.get());
        }
        return caller;
    }

    /** The caller a presented access token stands for, once its DPoP binding is checked (RFC 9449 §7). */
    private Caller bearer(Context ctx, DPoPProofs.Presented presented) {
        var found = tokens.findActive(presented.value()).orElseThrow(() -> DPoPProofs.unknownToken(presented));
        if (found.audience() != null) {
            // RFC 8707: a token asked for another resource server is not Gatehouse's to accept.
            throw OAuthException.invalidToken("this token is for " + found.audience() + ", not for Gatehouse");
        }
        proofs.requireBinding(presented, found.dpopJkt(), proofHeaders(ctx), ctx.method().name(), ctx.path());
        Set<String> scopes = found.scope().isEmpty() ? new HashSet<>() : new HashSet<>(Arrays.asList(found.scope().split(" ")));
        boolean service = isServiceToken(found);
        if (!service) {
            scopes.removeAll(Caller.SERVICE_SCOPES);
        }
        return new Caller(Caller.Kind.BEARER, found.userId(), found.username(), Set.copyOf(found.roles()), null, null,
                found.clientId(), Set.copyOf(scopes), found.organizationId(), found.actor(), found.tokenId(), service, null);
    }

    /**
     * An internal service's token: the app acting as itself in its own organization, issued by plain
     * client_credentials. Not a user's token, nor an installation's (client_credentials with an
     * organization_id, or an authorization by an organization's admin for actor app).
     */
    private static boolean isServiceToken(Credentials.BearerFacts token) {
        return token.userId() == null && ActorMode.APP.is(token.actor()) && "client_credentials".equals(token.grantType())
                && !token.singlePerInstallation();
    }

    /** The request's DPoP headers (RFC 9449 §4.1), each as sent. */
    public static List<String> proofHeaders(Context ctx) {
        return Collections.list(ctx.req().getHeaders("DPoP"));
    }


    private static void requireCsrf(String presented, Caller caller) {
        if (!caller.csrfMatches(presented)) {
            throw OAuthException.forbidden("a cookie-authenticated request must send a valid X-CSRF-Token header");
        }
    }
}
