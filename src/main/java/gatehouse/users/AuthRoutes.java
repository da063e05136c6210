package gatehouse.users;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerResolver;
import gatehouse.auth.CallerSource;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Page;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;
import java.util.Optional;

/**
 * Signing in and out: the HTML login page (for the OAuth flow), the JSON login of the management
 * API, and the user's own browser sessions (docs/security.md, "Callers").
 */
public final class AuthRoutes {
    public static final String SESSION_COOKIE = CallerResolver.SESSION_COOKIE;
    private static final int MAX_RETURN_TO = 16_384;

    private final UserService users;
    private final SessionService sessions;
    private final CallerSource callers;
    private final Pages pages;
    private final FormCsrf csrf;

    public AuthRoutes(UserService users, SessionService sessions, CallerSource callers, Pages pages, FormCsrf csrf) {
        this.users = users;
        this.sessions = sessions;
        this.callers = callers;
        this.pages = pages;
        this.csrf = csrf;
    }

    /**
     * GET /login; {@code login_hint} (an OpenID Connect app's hint, carried by the authorization
     * endpoint) fills in the username, which the person may still change.
     */
    public void loginPage(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams query = FormParams.parse(ctx.queryString());
        String returnTo = safeReturnTo(query.get("return_to"));
        String hint = query.get("login_hint");
        String username = hint == null || hint.length() > UserService.MAX_USERNAME ? "" : hint;
        pages.render(ctx, 200, "login.jte", new LoginPage(csrf.token(ctx), returnTo, username, null));
    }

    /** POST /login (the HTML form) */
    public void loginForm(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams form = Bodies.htmlForm(ctx);
        String returnTo = safeReturnTo(form.get("return_to"));
        String username = nullToEmpty(form.get("username"));
        if (!csrf.matches(ctx, form)) {
            loginPage(ctx, 403, returnTo, username, "The sign-in form expired. Please try again.");
            return;
        }
        Optional<User> user;
        try {
            user = users.authenticate(form.get("username"), form.get("password"));
        } catch (OAuthException e) {
            refusedSignIn(ctx, e, returnTo, username);
            return;
        }
        if (user.isEmpty()) {
            loginPage(ctx, 401, returnTo, username, "Invalid email or password.");
            return;
        }
        startSession(ctx, user.get());
        if (returnTo != null) {
            Pages.secureHeaders(ctx);
            ctx.redirect(returnTo, HttpStatus.FOUND);
            return;
        }
        pages.render(ctx, 200, "message.jte", new Pages.Message("Signed in",
                "You are signed in as " + user.get().username() + "."));
    }

    /** The login page again, saying why a sign-in was refused: an unverified email, or a lockout. */
    private void refusedSignIn(Context ctx, OAuthException e, String returnTo, String username) {
        if (e.error() == OAuthError.FORBIDDEN) {
            loginPage(ctx, 403, returnTo, username, "Your email address is not verified yet. We sent you a "
                    + "new verification link: open it, then sign in again.");
            return;
        }
        if (e.error() != OAuthError.RATE_LIMIT_EXCEEDED) {
            throw e;
        }
        ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        loginPage(ctx, 429, returnTo, username, "Too many failed sign-ins. Try again in "
                + Math.max(1, (e.retryAfterSeconds() + 59) / 60) + " minutes.");
    }

    private void loginPage(Context ctx, int status, String returnTo, String username, String message) {
        pages.render(ctx, status, "login.jte", new LoginPage(csrf.token(ctx), returnTo, username, message));
    }

    /** POST /api/v1/auth/login */
    public void login(Context ctx) {
        JsonBody body = Bodies.json(ctx);
        var user = users.authenticate(body.string("username", UserService.MAX_USERNAME), body.string("password", 1024))
                .orElseThrow(() -> OAuthException.of(OAuthError.UNAUTHENTICATED,
                        "invalid username or password"));
        var started = startSession(ctx, user);
        Responses.ok(Responses.noStore(ctx), Map.of("user", user.view(), "csrf_token", started.session().csrfToken()));
    }

    /** POST /api/v1/auth/logout */
    public void logout(Context ctx) {
        Caller caller = callers.require(ctx);
        sessions.end(caller);
        ctx.header("Set-Cookie", csrf.expiredSessionCookie());
        Responses.ok(ctx, Map.of("message", "signed out"));
    }

    /** GET /api/v1/auth/sessions */
    public void listSessions(Context ctx) {
        Caller caller = requireUser(ctx);
        Responses.ok(ctx, new Page<>(sessions.list(caller), null));
    }

    /** DELETE /api/v1/auth/sessions/{id} */
    public void endSession(Context ctx) {
        Caller caller = requireUser(ctx);
        sessions.endOne(caller, JsonBody.parseUuid("id", ctx.pathParam("id")));
        Responses.noContent(ctx);
    }

    private SessionService.Started startSession(Context ctx, User user) {
        var started = sessions.start(user, ctx.ip(), ctx.header("User-Agent"));
        ctx.header("Set-Cookie", csrf.cookie(SESSION_COOKIE, started.cookieValue(), sessions.ttl().toSeconds()));
        return started;
    }

    private Caller requireUser(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        if (caller.userId() == null) {
            throw OAuthException.forbidden("an app token has no browser sessions");
        }
        return caller;
    }

    /** Only a local path may be returned to, so the login page cannot be an open redirect. */
    static String safeReturnTo(String returnTo) {
        if (returnTo == null || returnTo.length() > MAX_RETURN_TO || !returnTo.startsWith("/")
                || returnTo.startsWith("//") || returnTo.contains("\\")
                || returnTo.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return null;
        }
        return returnTo;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
