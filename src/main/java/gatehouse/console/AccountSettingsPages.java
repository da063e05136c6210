package gatehouse.console;

import gatehouse.auth.Caller;
import gatehouse.consent.Consent;
import gatehouse.consent.ConsentEvent;
import gatehouse.consent.ConsentService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.tokens.OAuthSession;
import gatehouse.tokens.TokenService;
import gatehouse.users.AccountEmails;
import gatehouse.users.BrowserSession;
import gatehouse.users.Passwords;
import gatehouse.users.SessionService;
import gatehouse.users.User;
import gatehouse.users.UserService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code /account}: the signed-in person's own profile, email, password, authorized apps, OAuth
 * sessions, browser sessions and consent history. Who may call: any signed-in person, about
 * themselves only (every service call is keyed by the session's user, never by a request value).
 */
public final class AccountSettingsPages {
    private static final List<String> PROFILE_FIELDS = List.of("name");
    private static final List<String> PASSWORD_FIELDS = List.of("current_password", "new_password");

    private final ConsolePages console;
    private final UserService users;
    private final AccountEmails emails;
    private final SessionService sessions;
    private final ConsentService consents;
    private final TokenService tokens;
    private final Names names;

    public AccountSettingsPages(ConsolePages console, UserService users, AccountEmails emails, SessionService sessions,
                                ConsentService consents, TokenService tokens, Names names) {
        this.console = console;
        this.users = users;
        this.emails = emails;
        this.sessions = sessions;
        this.consents = consents;
        this.tokens = tokens;
        this.names = names;
    }

    /** One entry of the consent history, with names. */
    public record HistoryRow(ConsentEvent event, String appName, String organizationName) {
    }

    /** The model of account.jte. */
    public record AccountPage(Pages.Nav nav, String notice, User user, FormState profileForm, FormState passwordForm,
                              List<Names.Authorized> authorized, String authorizedNext, Page<OAuthSession> oauthSessions,
                              Page<BrowserSession.View> browserSessions, List<HistoryRow> history, String historyNext) {
    }

    /** GET /account */
    public void show(Context ctx, Caller caller) {
        console.render(ctx, "account.jte", page(ctx, caller, FormState.empty(), FormState.empty()));
    }

    /** POST /account/profile {name} */
    public void saveProfile(Context ctx, Caller caller, FormParams form) {
        try {
            users.updateProfile(caller, form.get("name") == null ? "" : form.get("name"));
            console.seeOther(ctx, ConsolePages.done("/account", "profile-saved"));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED) {
                throw e;
            }
            console.render(ctx, 400, "account.jte", page(ctx, caller, FormState.refused(form, e, PROFILE_FIELDS),
                    FormState.empty()));
        }
    }

    /** POST /account/password {current_password, new_password} */
    public void changePassword(Context ctx, Caller caller, FormParams form) {
        try {
            users.changePassword(caller, ConsolePages.clip(form.get("current_password"), Passwords.MAX_LENGTH),
                    ConsolePages.clip(form.get("new_password"), Passwords.MAX_LENGTH));
            console.seeOther(ctx, ConsolePages.done("/account", "password-changed"));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED) {
                throw e;
            }
            console.render(ctx, 400, "account.jte", page(ctx, caller, FormState.empty(),
                    FormState.refused(form, e, PASSWORD_FIELDS)));
        }
    }

    /** POST /account/verification: a new verification link to the person's own address. */
    public void resendVerification(Context ctx, Caller caller, FormParams form) {
        emails.resendVerification(caller.username());
        console.seeOther(ctx, ConsolePages.done("/account", "verification-sent"));
    }

    /** POST /account/consents/{consent_id}/revoke */
    public void revokeConsent(Context ctx, Caller caller, FormParams form) {
        consents.revoke(caller, JsonBody.parseUuid("consent_id", ctx.pathParam("consent_id")));
        console.seeOther(ctx, ConsolePages.done("/account", "consent-revoked") + "#authorized");
    }

    /** POST /account/oauth-sessions/{token_id}/revoke */
    public void revokeOAuthSession(Context ctx, Caller caller, FormParams form) {
        if (!tokens.endSession(caller.userId(), null, JsonBody.parseUuid("token_id", ctx.pathParam("token_id")))) {
            throw OAuthException.notFound("no such OAuth session");
        }
        console.seeOther(ctx, ConsolePages.done("/account", "session-revoked") + "#sessions");
    }

    /** POST /account/oauth-sessions/revoke-all */
    public void revokeAllOAuthSessions(Context ctx, Caller caller, FormParams form) {
        tokens.endAllSessions(caller.userId(), null);
        console.seeOther(ctx, ConsolePages.done("/account", "sessions-revoked") + "#sessions");
    }

    /** POST /account/browser-sessions/sign-out-others */
    public void signOutOthers(Context ctx, Caller caller, FormParams form) {
        sessions.endOthers(caller);
        console.seeOther(ctx, ConsolePages.done("/account", "others-signed-out") + "#browser-sessions");
    }

    private AccountPage page(Context ctx, Caller caller, FormState profile, FormState password) {
        FormParams query = Bodies.query(ctx);
        Page<ConsentEvent> history = consents.history(caller, Bodies.page(ctx));
        Page<Consent> authorized = consents.list(caller, PageRequest.parse(null, query.get("apps_cursor")));
        List<HistoryRow> rows = history.data().stream()
                .map(e -> new HistoryRow(e, names.app(e.clientId()), names.org(e.organizationId())))
                .toList();
        return new AccountPage(console.nav(caller, "account"), ConsolePages.notice(ctx), users.get(caller.userId()),
                profile, password, names.authorized(authorized.data()), authorized.nextCursor(),
                Page.cut(tokens.sessions(caller.userId(), null), OAuthSession::tokenId,
                        PageRequest.parse(null, query.get("sessions_cursor"))),
                Page.cut(sessions.list(caller), BrowserSession.View::id, PageRequest.parse(null, query.get("browsers_cursor"))),
                rows, history.nextCursor());
    }
}
