package gatehouse.console;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.consent.ConsentService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.users.FormCsrf;
import gatehouse.users.Passwords;
import gatehouse.users.SessionService;
import gatehouse.users.UserService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code /}: what Gatehouse is for a visitor, the dashboard for a signed-in person; {@code /signup}
 * and {@code /logout}. Who may call: anyone (the dashboard shows only the caller's own things, read
 * through the services with the caller's rights).
 */
public final class HomePages {
    private static final int DASHBOARD_ROWS = 5;
    private static final List<String> SIGNUP_FIELDS = List.of("username", "password", "name");

    private final ConsolePages console;
    private final CallerSource callers;
    private final FormCsrf formCsrf;
    private final UserService users;
    private final SessionService sessions;
    private final OrgService orgs;
    private final ClientService clients;
    private final ConsentService consents;
    private final Names names;

    public HomePages(ConsolePages console, CallerSource callers, FormCsrf formCsrf, UserService users,
                     SessionService sessions, OrgService orgs, ClientService clients, ConsentService consents, Names names) {
        this.console = console;
        this.callers = callers;
        this.formCsrf = formCsrf;
        this.users = users;
        this.sessions = sessions;
        this.orgs = orgs;
        this.clients = clients;
        this.consents = consents;
        this.names = names;
    }

    /** The model of welcome.jte. */
    public record Welcome(boolean registrationOpen) {
    }

    /** The model of dashboard.jte. */
    public record Dashboard(Pages.Nav nav, String notice, Page<Organization> orgs, Page<Client> apps,
                            List<Names.Authorized> authorized, Integer pendingApprovals, boolean morePending) {
    }

    /** The model of signup.jte. */
    public record Signup(String csrfToken, FormState form) {
    }

    /** GET / */
    public void start(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        Caller caller = callers.budgetedSession(ctx).orElse(null);
        if (caller == null) {
            console.render(ctx, "welcome.jte", new Welcome(users.registrationOpen()));
            return;
        }
        console.signedIn(ctx, "dashboard");
        PageRequest few = PageRequest.first(DASHBOARD_ROWS);
        Integer pending = null;
        boolean morePending = false;
        if (caller.isPlatformAdmin()) {
            Page<Client> waiting = clients.list(caller, true, PageRequest.first(PageRequest.MAX_LIMIT));
            pending = waiting.data().size();
            morePending = waiting.nextCursor() != null;
        }
        console.render(ctx, "dashboard.jte", new Dashboard(console.nav(caller, "dashboard"), ConsolePages.notice(ctx),
                orgs.list(caller, false, few), clients.list(caller, false, few),
                names.authorized(consents.list(caller, few).data()), pending, morePending));
    }

    /** GET /signup */
    public void signupPage(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        console.render(ctx, "signup.jte", new Signup(formCsrf.token(ctx), FormState.empty()));
    }

    /** POST /signup: creates the account and sends the verification link; the person signs in after verifying. */
    public void signup(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams form = Bodies.htmlForm(ctx);
        if (!formCsrf.matches(ctx, form)) {
            console.render(ctx, 403, "signup.jte", new Signup(formCsrf.token(ctx),
                    FormState.refusedAt(form, null, "The form expired. Please try again.")));
            return;
        }
        try {
            var registration = new UserService.Registration(ConsolePages.clip(form.get("username"), UserService.MAX_USERNAME),
                    ConsolePages.clip(form.get("password"), Passwords.MAX_LENGTH),
                    ConsolePages.clip(form.get("name"), UserService.MAX_NAME), null);
            var user = users.register(registration, null);
            console.render(ctx, 201, "message.jte", new Pages.Message("Check your email",
                    "Your account " + user.username() + " is created. We sent a link to that address: open it to "
                            + "verify your email, then sign in."));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT) {
                throw e;
            }
            console.render(ctx, e.error().status(), "signup.jte", new Signup(formCsrf.token(ctx),
                    FormState.refused(form, e, SIGNUP_FIELDS)));
        }
    }

    /** POST /logout: ends this browser session. */
    public void logout(Context ctx, Caller caller, FormParams form) {
        sessions.end(caller);
        ctx.header("Set-Cookie", formCsrf.expiredSessionCookie());
        console.seeOther(ctx, "/");
    }
}
