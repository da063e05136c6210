package gatehouse.oauth;

import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.ratelimit.GuessThrottle;
import gatehouse.scopes.ScopeService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The device page (RFC 8628 §3.3): {@code GET /device} asks for the code the device shows (or, from
 * {@code verification_uri_complete}, has it already), {@code POST /device} looks it up and shows the
 * consent step with the code to compare, {@code POST /device/decision} records the decision. Who may
 * use it: any signed-in user (the login page comes first); what they approve is checked as at the
 * authorization endpoint (an organization they belong to; for actor app one they administer).
 * Wrong codes spend a budget per (user, IP) and per IP ({@link GuessThrottle}); a code cannot be
 * looked up at all once it is spent.
 */
public final class DevicePages {
    private final DeviceFlow flow;
    private final ScopeService scopes;
    private final OrgService orgs;
    private final CallerSource callers;
    private final GuessThrottle throttle;
    private final AuditLog audit;
    private final Pages pages;

    public DevicePages(DeviceFlow flow, ScopeService scopes, OrgService orgs, CallerSource callers,
                       GuessThrottle throttle, AuditLog audit, Pages pages) {
        this.audit = audit;
        this.flow = flow;
        this.scopes = scopes;
        this.orgs = orgs;
        this.callers = callers;
        this.throttle = throttle;
        this.pages = pages;
    }

    /**
     * GET /device[?user_code=…]: the code form, filled in when the device's link carried the code.
     * Even then the user presses Continue: a link alone (which anyone can send) never brings up a
     * consent page, and nothing is looked up, so following links spends no guesses.
     */
    public void show(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        String typed = ctx.queryParam("user_code");
        Optional<Caller> caller = signedIn(ctx, typed);
        if (caller.isEmpty()) {
            return;
        }
        String filled = typed == null || DeviceFlow.normalized(typed) == null ? "" : typed.strip();
        renderEntry(ctx, 200, caller.get(), filled, null);
    }

    /** POST /device {user_code, csrf_token}. */
    public void enter(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams form = Bodies.htmlForm(ctx);
        signedInForm(ctx, form).ifPresent(caller -> showConsent(ctx, caller, form.get("user_code")));
    }

    /** POST /device/decision {user_code, confirm, scope…, organization_id, csrf_token}. */
    public void decide(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams form = Bodies.htmlForm(ctx);
        Optional<Caller> caller = signedInForm(ctx, form);
        if (caller.isEmpty()) {
            return;
        }
        Optional<DeviceFlow.Pending> pending = lookUp(ctx, caller.get(), form.get("user_code"));
        if (pending.isEmpty()) {
            return;
        }
        if (!"yes".equals(form.get("confirm"))) {
            if (!"no".equals(form.get("confirm"))) {
                throw OAuthException.invalidRequest("confirm must be yes or no");
            }
            renderDenied(ctx, pending.get(), "The device was not given access. You can close this page.");
            return;
        }
        Set<String> offered = pending.get().request().scopes();
        Set<String> kept = AuthorizeEndpoint.keptScopes(form, offered, true);
        if (kept.isEmpty() && !offered.isEmpty()) {
            renderDenied(ctx, pending.get(),
                    "You approved none of the permissions the device asked for, so it was not given access.");
            return;
        }
        UUID chosen = Parameters.uuid("organization_id", form.get("organization_id"));
        flow.approve(pending.get(), caller.get().userId(), caller.get().signedInAt(), chosen, kept);
        pages.render(ctx, 200, "message.jte", new Pages.Message("Device connected",
                pending.get().request().client().name() + " has access now. Return to your device: it continues on its own."));
    }

    private void renderDenied(Context ctx, DeviceFlow.Pending pending, String text) {
        if (flow.deny(pending)) {
            pages.render(ctx, 200, "message.jte", new Pages.Message("Access denied", text));
        } else {
            pages.error(ctx, 409, OAuthError.CONFLICT.code(), "This request was decided already (in another tab?) or has"
                    + " expired. If the device was given access you did not want, revoke it on your account page.");
        }
    }

    /** The signed-in user who sent this page's form (its CSRF token checked), or empty after sending them to sign in. */
    private Optional<Caller> signedInForm(Context ctx, FormParams form) {
        Optional<Caller> caller = signedIn(ctx, form.get("user_code"));
        caller.ifPresent(signedIn -> AuthorizeEndpoint.requireCsrf(form.get("csrf_token"), signedIn));
        return caller;
    }

    /** The signed-in user, or empty after sending the browser to the login page, which comes back here. */
    private Optional<Caller> signedIn(Context ctx, String typed) {
        Optional<Caller> caller = callers.session(ctx);
        if (caller.isEmpty()) {
            String back = typed == null || DeviceFlow.normalized(typed) == null ? "/device"
                    : "/device?user_code=" + URLEncoder.encode(typed.strip(), StandardCharsets.UTF_8);
            Pages.redirect(ctx, "/login?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8));
        }
        return caller;
    }

    private void showConsent(Context ctx, Caller caller, String typed) {
        Optional<DeviceFlow.Pending> found = lookUp(ctx, caller, typed);
        if (found.isEmpty()) {
            return;
        }
        DeviceFlow.Pending pending = found.get();
        AuthorizationRequest request = pending.request();
        List<Organization> eligible = flow.eligibleOrganizations(caller.userId(), pending);
        UUID preselected;
        try {
            preselected = flow.preselect(pending, eligible);
        } catch (OAuthException e) {
            pages.error(ctx, 403, OAuthError.ACCESS_DENIED.code(), e.description());
            return;
        }
        String userCode = pending.device().displayedUserCode();
        pages.render(ctx, 200, "consent.jte", ConsentPage.of(scopes, orgs, request, caller, eligible, preselected,
                Map.of("user_code", userCode), "/device/decision", userCode));
    }

    /**
     * The pending authorization the typed code names; when there is none, the entry page again with
     * the reason. Every lookup spends a guess first (given back when the code is found), so guesses
     * sent in parallel meet the budget too; refused with 429 while it is spent. Input that cannot be a
     * code at all costs nothing: it cannot find one.
     */
    private Optional<DeviceFlow.Pending> lookUp(Context ctx, Caller caller, String typed) {
        String shown = typed == null ? "" : typed.strip();
        if (DeviceFlow.normalized(typed) == null) {
            renderEntry(ctx, 400, caller, shown, "A code is 8 letters, like WDJB-MJHT. Check your device.");
            return Optional.empty();
        }
        String subject = caller.userId().toString();
        // Audited as the login lockout is (the entry records the address itself).
        throttle.spendGuess(subject, ctx.ip(), () -> audit.recordFailure(caller.auditActor(),
                AuditLog.Event.of("rate_limit.exceeded").details(Map.of("limit", "user_code_failures"))));
        Optional<DeviceFlow.Pending> pending = flow.find(typed);
        if (pending.isPresent()) {
            throttle.refund(subject, ctx.ip());
        } else {
            renderEntry(ctx, 400, caller, shown,
                    "That code is not valid: it may be mistyped, expired or used already. Check your device.");
        }
        return pending;
    }

    private void renderEntry(Context ctx, int status, Caller caller, String typed, String error) {
        pages.render(ctx, status, "device.jte", new DevicePage(caller.username(),
                caller.csrfToken(), typed.length() > 32 ? "" : typed, error));
    }
}
