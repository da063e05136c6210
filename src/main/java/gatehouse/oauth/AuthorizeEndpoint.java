package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.clients.VaultAccess;
import gatehouse.clients.VaultAccessJson;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.scopes.ScopeService;
import gatehouse.users.UserService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /oauth/authorize} (validate, then login or consent page, or straight back with a code
 * when consent was already given) and {@code POST /oauth/authorize} (the consent decision).
 */
public final class AuthorizeEndpoint {
    private final AuthorizationService service;
    private final ScopeService scopes;
    private final OrgService orgs;
    private final CallerSource callers;
    private final Pages pages;

    /** A provider's name as people say it (GitHub), for the vault access the consent page offers. */
    private final Function<String, String> platformLabels;

    public AuthorizeEndpoint(AuthorizationService service, ScopeService scopes, OrgService orgs,
                             CallerSource callers, Pages pages, Function<String, String> platformLabels) {
        this.platformLabels = platformLabels;
        this.service = service;
        this.scopes = scopes;
        this.orgs = orgs;
        this.callers = callers;
        this.pages = pages;
    }

    public void show(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams arrived = FormParams.parse(ctx.queryString());
        var incoming = service.expandPushed(arrived, false);
        FormParams params = incoming.params();
        var verified = service.verifyClient(params);
        try {
            AuthorizationRequest request = service.validate(verified, params, null, incoming.pushed());
            Optional<Caller> caller = callers.session(ctx);
            if (service.needsSignIn(request, caller.map(Caller::userId).orElse(null),
                    caller.map(Caller::signedInAt).orElse(null))) {
                if (request.prompt().contains("none")) {
                    throw OAuthException.of(OAuthError.LOGIN_REQUIRED, "the user must sign in first");
                }
                Pages.redirect(ctx, loginUrl(arrived, params.get("login_hint")));
                return;
            }
            showOrSkipConsent(ctx, verified, request, caller.get(), params);
        } catch (OAuthException e) {
            Pages.redirect(ctx, service.errorRedirect(verified, params.get("state"), e).toString());
        }
    }

    private void showOrSkipConsent(Context ctx, AuthorizationService.VerifiedClient verified,
                                   AuthorizationRequest request, Caller caller, FormParams params) {
        List<Organization> eligible = service.eligibleOrganizations(caller.userId(), request.actor());
        UUID preselected = service.chooseOrganization(request, null, eligible);
        // A consent does not record the resource it was given for: a request naming one always asks.
        if (!request.prompt().contains("consent") && request.resource() == null) {
            var covered = service.coveredBy(request, caller.userId(), eligible);
            if (covered.isPresent()) {
                String code = service.approve(request, caller.userId(), caller.signedInAt(),
                        covered.get().organizationId(), false, null);
                Pages.redirect(ctx, service.successRedirect(request, code).toString());
                return;
            }
        }
        if (request.prompt().contains("none")) {
            throw OAuthException.of(OAuthError.CONSENT_REQUIRED, "the user has not approved this app yet");
        }
        pages.render(ctx, 200, "consent.jte", consentPage(request, caller, params, eligible, preselected));
    }

    public void decide(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        var incoming = service.expandPushed(Bodies.htmlForm(ctx), true);
        FormParams form = incoming.params();
        var verified = service.verifyClient(form);
        Optional<Caller> caller = callers.session(ctx);
        if (caller.isEmpty()) {
            // The session ended while the page was open: start over, which leads through the login page.
            Pages.redirect(ctx, "/oauth/authorize?" + FormParams.encode(
                    incoming.pushed() != null ? pushedReference(form) : requestParameters(form)));
            return;
        }
        requireCsrf(form.get("csrf_token"), caller.get());
        try {
            Set<String> kept = keptScopes(form);
            AuthorizationRequest request = service.validate(verified, form, kept, incoming.pushed());
            if (!"yes".equals(form.get("confirm"))) {
                throw "no".equals(form.get("confirm"))
                        ? OAuthException.of(OAuthError.ACCESS_DENIED, "the user denied the request")
                        : OAuthException.invalidRequest("confirm must be yes or no");
            }
            if (kept.isEmpty() && !ScopeService.parse(form.get("requested_scope")).isEmpty()) {
                throw OAuthException.of(OAuthError.ACCESS_DENIED, "the user approved none of the requested scopes");
            }
            List<Organization> eligible = service.eligibleOrganizations(caller.get().userId(), request.actor());
            UUID chosen = Parameters.uuid("organization_id", form.get("organization_id"));
            UUID organizationId = service.chooseOrganization(request, chosen, eligible);
            String code = service.approve(request, caller.get().userId(), caller.get().signedInAt(), organizationId, true,
                    grantedVaultAccess(request, form));
            Pages.redirect(ctx, service.successRedirect(request, code).toString());
        } catch (OAuthException e) {
            Pages.redirect(ctx, service.errorRedirect(verified, form.get("state"), e).toString());
        }
    }

    /**
     * The vault access the page offered and the admin left ticked (docs/vault-proxy.md, "Brokered
     * access"): the app's approved rules, or none when unticked. Only an installation (actor app) has any.
     */
    private static List<VaultAccess> grantedVaultAccess(AuthorizationRequest request, FormParams form) {
        if (!ActorMode.APP.is(request.actor())) {
            return null;
        }
        if (!"yes".equals(form.get("vault_access"))) {
            return List.of();
        }
        // Only what the page showed: an app that asked for more between the page and the click gets none of it.
        List<VaultAccess> offered;
        try {
            offered = VaultAccessJson.read(form.get("vault_access_offered"));
        } catch (RuntimeException e) {
            offered = List.of();
        }
        return VaultAccess.both(request.client().vault().effective(), offered);
    }

    /** The ticked scopes, which must be among those the page offered (requested_scope), when it says. */
    private static Set<String> keptScopes(FormParams form) {
        return keptScopes(form, ScopeService.parse(form.get("requested_scope")), form.has("requested_scope"));
    }

    /** The ticked scopes of a consent form, which must be among {@code offered} when {@code checked}. */
    static Set<String> keptScopes(FormParams form, Set<String> offered, boolean checked) {
        Set<String> kept = new LinkedHashSet<>();
        for (String value : form.all("scope")) {
            kept.addAll(ScopeService.parse(value));
        }
        if (checked && !offered.containsAll(kept)) {
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "a scope was approved that was not requested");
        }
        // A sign-in the app asked for is what the page approves or denies as a whole: openid is not
        // the user's to untick (without it the app gets no ID token and cannot sign anyone in).
        if (offered.contains(OpenIdConnect.SCOPE)) {
            kept.add(OpenIdConnect.SCOPE);
        }
        return kept;
    }

    private ConsentPage consentPage(AuthorizationRequest request, Caller caller, FormParams params,
                                    List<Organization> eligible, UUID preselected) {
        // A pushed request's parameters stay on the server: the form carries only its reference.
        Map<String, String> hidden = request.pushed() != null ? pushedReference(params) : requestParameters(params);
        hidden.remove("scope");
        hidden.remove("organization_id");
        hidden.remove("prompt");
        hidden.put("requested_scope", ScopeRequest.join(request.scopes()));
        List<VaultAccess> offered = ActorMode.APP.is(request.actor()) ? request.client().vault().effective() : List.of();
        if (!offered.isEmpty()) {
            hidden.put("vault_access_offered", VaultAccessJson.write(offered));
        }
        return ConsentPage.of(scopes, orgs, request, caller, eligible, preselected, hidden, "/oauth/authorize", null)
                .offeringVaultAccess(offered, platformLabels);
    }

    /** What names a pushed request: the app and the reference. */
    private static Map<String, String> pushedReference(FormParams params) {
        Map<String, String> reference = new LinkedHashMap<>();
        reference.put("client_id", params.get("client_id"));
        reference.put("request_uri", params.get("request_uri"));
        return reference;
    }

    /** The OAuth parameters of the request (one value each), for carrying through a page. */
    private static Map<String, String> requestParameters(FormParams params) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : AuthorizationService.PARAMETERS) {
            if (params.get(name) != null) {
                kept.put(name, params.get(name));
            }
        }
        if (!kept.containsKey("scope") && params.get("requested_scope") != null) {
            kept.put("scope", params.get("requested_scope"));
        }
        return kept;
    }

    /**
     * The login page, coming back to this request afterwards: without prompt=login, max_age and
     * id_token_hint, which the sign-in just satisfied (kept, they would send the user round again),
     * and offering the app's login_hint as the username.
     */
    private static String loginUrl(FormParams arrived, String hint) {
        Map<String, String> back = new LinkedHashMap<>(arrived.asMap());
        back.remove("max_age");
        back.remove("id_token_hint");
        String prompt = back.remove("prompt");
        if (prompt != null) {
            String rest = Arrays.stream(prompt.split(" "))
                    .filter(p -> !p.isEmpty() && !p.equals("login"))
                    .collect(Collectors.joining(" "));
            if (!rest.isEmpty()) {
                back.put("prompt", rest);
            }
        }
        String returnTo = "/oauth/authorize?" + FormParams.encode(back);
        return "/login?return_to=" + URLEncoder.encode(returnTo, StandardCharsets.UTF_8)
                + (hint == null || hint.length() > UserService.MAX_USERNAME ? ""
                        : "&login_hint=" + URLEncoder.encode(hint, StandardCharsets.UTF_8));
    }

    /** A page's form came from this session: its CSRF token is the session's (the consent and sign-out pages). */
    static void requireCsrf(String presented, Caller caller) {
        if (!caller.csrfMatches(presented)) {
            throw OAuthException.forbidden("the form has expired or did not come from Gatehouse; go back and try again");
        }
    }
}
