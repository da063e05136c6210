package gatehouse.console;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.errors.OAuthException;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * What every console page shares: the signed-in person (a browser session, never a bearer token),
 * the CSRF check of every form post, rendering inside the console's header, and post/redirect/get.
 * The pages call the same services as the JSON API with the same {@link Caller}, so the services'
 * authorization rules are the console's too: there is no second authorization path.
 */
public final class ConsolePages {
    /** Confirmation texts shown after a redirect ({@code ?done=key}); only these keys exist, nothing is echoed. */
    private static final Map<String, String> NOTICES = Map.ofEntries(
            Map.entry("app-updated", "The app's settings are saved."),
            Map.entry("app-deleted", "The app is deleted; its tokens no longer work."),
            Map.entry("redelivered", "The delivery is queued to be sent again."),
            Map.entry("org-created", "The organization is created. You are its owner."),
            Map.entry("member-added", "The member is added."),
            Map.entry("member-updated", "The member's role is changed."),
            Map.entry("member-removed", "The member is removed; their tokens in this organization are revoked."),
            Map.entry("disconnected", "The app is disconnected; its tokens in this organization stopped working."),
            Map.entry("connection-removed", "The connection is disconnected; its tokens are revoked at the provider."),
            Map.entry("connected", "The connection is made."),
            Map.entry("profile-saved", "Your profile is saved."),
            Map.entry("password-changed", "Your password is changed; your other browser sessions are signed out."),
            Map.entry("verification-sent", "A new verification link is on its way to your inbox."),
            Map.entry("consent-revoked", "The app's access is revoked; its tokens for you stopped working."),
            Map.entry("session-revoked", "The session is revoked."),
            Map.entry("sessions-revoked", "All OAuth sessions are revoked."),
            Map.entry("others-signed-out", "Your other browser sessions are signed out."),
            Map.entry("user-updated", "The user is updated."),
            Map.entry("user-deleted", "The user is deleted."),
            Map.entry("scope-saved", "The scope is saved."),
            Map.entry("scope-deleted", "The scope is deleted."),
            Map.entry("approved", "Approved: the app may now ask for it."),
            Map.entry("refused", "Refused: the request is removed from the app."),
            Map.entry("keys-rotated", "New signing keys are in use; the old ones still verify tokens until they expire."));

    /** The section only platform admins may open. */
    public static final String ADMIN = "admin";

    /** A console page, shown to the signed-in person. */
    @FunctionalInterface
    public interface Page {
        void show(Context ctx, Caller caller) throws Exception;
    }

    /** A console form, handled once its CSRF token matched the signed-in person's session. */
    @FunctionalInterface
    public interface Form {
        void submit(Context ctx, Caller caller, FormParams form) throws Exception;
    }

    private final CallerSource callers;
    private final Pages pages;

    public ConsolePages(CallerSource callers, Pages pages) {
        this.callers = callers;
        this.pages = pages;
    }

    /** The route handler of a page of {@code section}: it runs for a signed-in person only. */
    public Handler page(String section, Page page) {
        return ctx -> {
            Caller caller = signedIn(ctx, section);
            if (caller != null) {
                page.show(ctx, caller);
            }
        };
    }

    /**
     * The route handler of a form of {@code section}: it runs for a signed-in person, after the
     * form's CSRF token matched; every console form goes through here, so none can skip the check.
     */
    public Handler form(String section, Form form) {
        return ctx -> {
            Caller caller = signedIn(ctx, section);
            if (caller != null) {
                form.submit(ctx, caller, checkedForm(ctx, caller));
            }
        };
    }

    /**
     * The signed-in person, with the console header remembered for error pages; or null after
     * sending the browser to sign in (and back here afterwards, for a page read). The Admin section
     * answers 403 to anyone but a platform admin.
     */
    public Caller signedIn(Context ctx, String section) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        Caller caller = callers.budgetedSession(ctx).orElse(null);
        if (caller == null) {
            String back = "GET".equals(ctx.method().name()) ? ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString()) : "/";
            seeOther(ctx, "/login?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8));
            return null;
        }
        ctx.attribute(Pages.NAV, nav(caller, section));
        if (ADMIN.equals(section) && !caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("This page is for platform admins.");
        }
        return caller;
    }

    /** The console header for this person. */
    public Pages.Nav nav(Caller caller, String section) {
        return new Pages.Nav(caller.username(), caller.csrfToken(), caller.isPlatformAdmin(), section);
    }

    /** The posted form, after its {@code csrf_token} matched the session's (else 403 and nothing changes). */
    private static FormParams checkedForm(Context ctx, Caller caller) {
        FormParams form = Bodies.htmlForm(ctx);
        String posted = form.get("csrf_token");
        if (posted == null || !MessageDigest.isEqual(posted.getBytes(StandardCharsets.UTF_8),
                caller.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw OAuthException.forbidden("This form has expired or did not come from this console. "
                    + "Reload the page and try again.");
        }
        return form;
    }

    public void render(Context ctx, int status, String template, Object model) {
        pages.render(ctx, status, template, model);
    }

    public void render(Context ctx, String template, Object model) {
        pages.render(ctx, 200, template, model);
    }

    /** Post/redirect/get: 303 to a console page (a local path). */
    public void seeOther(Context ctx, String location) {
        Pages.secureHeaders(ctx);
        ctx.redirect(location, HttpStatus.SEE_OTHER);
    }

    /** The confirmation for {@code ?done=}, or null for none or an unknown key. */
    public static String notice(Context ctx) {
        String key = Bodies.query(ctx).get("done");
        return key == null ? null : NOTICES.get(key);
    }

    /**
     * A form value longer than the service accepts, cut to one past {@code max}: the service still
     * refuses it as too long, without carrying up to a whole form field's worth of text.
     */
    static String clip(String value, int max) {
        return value == null || value.length() <= max + 1 ? value : value.substring(0, max + 1);
    }

    /** The path of a page with its confirmation. */
    public static String done(String path, String key) {
        return path + (path.contains("?") ? "&" : "?") + "done=" + key;
    }
}
