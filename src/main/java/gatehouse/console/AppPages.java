package gatehouse.console;

import gatehouse.auth.Caller;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.clients.ClientSpec;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.installations.Installation;
import gatehouse.installations.InstallationService;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.scopes.Scope;
import gatehouse.scopes.ScopeService;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.users.FormCsrf;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import gatehouse.webhooks.WebhookDelivery;
import gatehouse.webhooks.WebhookService;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /apps}: a developer's OAuth apps. Who may call: any signed-in person; the list shows the
 * apps of their organizations, and an app's pages answer 404 to anyone the clients service does not
 * let see it (a stranger to its organization) and 403 on changes it does not let them make.
 */
public final class AppPages {
    /** The form's fields, in the order a refusal is matched to them (the API's member names). */
    static final List<String> FIELDS = List.of("name", "homepage_url", "redirect_uris", "post_logout_redirect_uris",
            "description", "owner_org_id", "scope", "confidential", "grant_types", "actor_modes", "access_token_format",
            "access_token_signing_alg", "access_token_jwt_typ", "id_token_signed_response_alg", "access_token_ttl",
            "refresh_token_rotation", "require_pushed_authorization_requests", "dpop_bound_access_tokens",
            "webhook_url", "webhook_events");
    /** The event kinds Gatehouse itself sends; the SaaS may publish more (typed in "other events"). */
    public static final List<String> BUILT_IN_EVENTS = List.of("installation.created", "installation.revoked", "token.revoked");

    private final ConsolePages console;
    private final ClientService clients;
    private final OrgService orgs;
    private final ScopeService scopes;
    private final InstallationService installations;
    private final WebhookService webhooks;
    private final Names names;
    private final String issuer;
    private final SecretReveal reveal;
    private final FormCsrf cookies;

    public AppPages(ConsolePages console, ClientService clients, OrgService orgs, ScopeService scopes,
                    InstallationService installations, WebhookService webhooks, Names names, String issuer,
                    SecretReveal reveal, FormCsrf cookies) {
        this.console = console;
        this.clients = clients;
        this.orgs = orgs;
        this.scopes = scopes;
        this.installations = installations;
        this.webhooks = webhooks;
        this.names = names;
        this.issuer = issuer;
        this.reveal = reveal;
        this.cookies = cookies;
    }

    /** The model of apps.jte. */
    public record ListPage(Pages.Nav nav, String notice, Page<Client> apps) {
    }

    /** The model of app-form.jte (new app, or an app's settings). */
    public record FormPage(Pages.Nav nav, Client app, FormState form, List<Organization> orgs, List<Scope> catalog,
                           List<String> grantTypes, List<String> events) {
        public boolean creating() {
            return app == null;
        }
    }

    /**
     * The model of app-secret.jte: shown once, after creating or rotating; {@code gone} when the page
     * is opened again (or too late) and the secret cannot be shown any more.
     */
    public record SecretPage(Pages.Nav nav, Client app, String secret, String webhookSecret, boolean rotated,
                             boolean gone) {
    }

    /** The model of app.jte. */
    public record AppPage(Pages.Nav nav, String notice, Client app, String organizationName, QuickStart quickStart,
                          Page<Installation> installations, List<String> installedIn, Page<WebhookDelivery> deliveries,
                          FormState rotateForm) {
    }

    /** The quick-start box: an authorize URL and a token request, filled in for this app. */
    public record QuickStart(String authorizeUrl, String tokenCurl, String clientCredentialsCurl) {
    }

    /** GET /apps */
    public void list(Context ctx, Caller caller) {
        console.render(ctx, "apps.jte", new ListPage(console.nav(caller, "apps"), ConsolePages.notice(ctx),
                clients.list(caller, false, Bodies.page(ctx))));
    }

    /** GET /apps/new */
    public void newApp(Context ctx, Caller caller) {
        console.render(ctx, "app-form.jte", formPage(caller, null, FormState.empty()));
    }

    /** POST /apps: registers the app and shows its secret once. */
    public void create(Context ctx, Caller caller, FormParams form) {
        ClientService.Registered registered;
        try {
            registered = clients.create(caller, spec(form, true));
        } catch (OAuthException e) {
            refused(ctx, caller, null, form, e);
            return;
        }
        revealOnce(ctx, caller, registered, false);
    }

    /** GET /apps/{client_id}/secret: the secrets of the form just sent, once; afterwards, that they are gone. */
    public void secret(Context ctx, Caller caller) {
        Client app = clients.get(caller, ctx.pathParam("client_id"));
        String path = secretPath(app.clientId());
        ctx.res().addHeader("Set-Cookie", cookies.cookie(SecretReveal.COOKIE, "", 0, path));
        var shown = reveal.open(ctx.cookie(SecretReveal.COOKIE), caller.userId(), app.clientId());
        console.render(ctx, "app-secret.jte", new SecretPage(console.nav(caller, "apps"), app,
                shown.map(SecretReveal.Secrets::secret).orElse(null),
                shown.map(SecretReveal.Secrets::webhookSecret).orElse(null),
                shown.map(SecretReveal.Secrets::rotated).orElse(false), shown.isEmpty()));
    }

    /** Post/redirect/get for secrets: sealed into a cookie for the secret page, which shows them once. */
    private void revealOnce(Context ctx, Caller caller, ClientService.Registered registered, boolean rotated) {
        String clientId = registered.client().clientId();
        String sealed = reveal.seal(clientId, caller.userId(), registered.secret(), registered.webhookSecret(), rotated);
        ctx.res().addHeader("Set-Cookie", cookies.cookie(SecretReveal.COOKIE, sealed,
                SecretReveal.LIFETIME.toSeconds(), secretPath(clientId)));
        console.seeOther(ctx, secretPath(clientId));
    }

    private static String secretPath(String clientId) {
        return "/apps/" + clientId + "/secret";
    }

    /** GET /apps/{client_id} */
    public void show(Context ctx, Caller caller) {
        console.render(ctx, "app.jte", appPage(ctx, caller, FormState.empty()));
    }

    private AppPage appPage(Context ctx, Caller caller, FormState rotateForm) {
        Client app = clients.get(caller, ctx.pathParam("client_id"));
        Page<Installation> installed = installations.listForApp(caller, app.clientId(), Bodies.page(ctx));
        List<String> orgNames = installed.data().stream().map(i -> names.org(i.organizationId())).toList();
        return new AppPage(console.nav(caller, "apps"), ConsolePages.notice(ctx), app, names.org(app.ownerOrgId()),
                quickStart(app), installed, orgNames,
                webhooks.deliveries(caller, app.clientId(), PageRequest.parse("20", Bodies.query(ctx).get("deliveries_cursor"))),
                rotateForm);
    }

    /** GET /apps/{client_id}/edit */
    public void edit(Context ctx, Caller caller) {
        Client app = clients.get(caller, ctx.pathParam("client_id"));
        console.render(ctx, "app-form.jte", formPage(caller, app, FormState.empty()));
    }

    /** POST /apps/{client_id}: saves the settings. */
    public void update(Context ctx, Caller caller, FormParams form) {
        String clientId = ctx.pathParam("client_id");
        try {
            clients.update(caller, clientId, spec(form, false));
        } catch (OAuthException e) {
            refused(ctx, caller, clients.get(caller, clientId), form, e);
            return;
        }
        console.seeOther(ctx, ConsolePages.done("/apps/" + clientId, "app-updated"));
    }

    /** POST /apps/{client_id}/secret {grace_seconds}: a new secret, shown once. */
    public void rotateSecret(Context ctx, Caller caller, FormParams form) {
        Integer grace;
        try {
            grace = wholeNumber(form, "grace_seconds");
        } catch (OAuthException e) {
            grace = -1;
        }
        if (grace != null && (grace < 0 || grace > ClientService.MAX_SECRET_GRACE_SECONDS)) {
            console.render(ctx, 400, "app.jte", appPage(ctx, caller, FormState.refusedAt(form, "grace_seconds",
                    "grace_seconds must be a whole number from 0 to " + ClientService.MAX_SECRET_GRACE_SECONDS)));
            return;
        }
        revealOnce(ctx, caller, clients.rotateSecret(caller, ctx.pathParam("client_id"), grace), true);
    }

    /** GET /apps/{client_id}/delete: what deleting stops, and the button. */
    public void confirmDelete(Context ctx, Caller caller) {
        Client app = clients.get(caller, ctx.pathParam("client_id"));
        clients.requireEditable(caller, app.clientId());
        console.render(ctx, "confirm.jte", new Confirm(console.nav(caller, "apps"), "Delete " + app.name() + "?",
                "Deleting the app revokes every token it holds, disconnects it from every organization that installed "
                        + "it and removes its settings. Nothing can bring it back.",
                "/apps/" + app.clientId() + "/delete", "Delete app", "/apps/" + app.clientId()));
    }

    /** POST /apps/{client_id}/delete */
    public void delete(Context ctx, Caller caller, FormParams form) {
        clients.delete(caller, ctx.pathParam("client_id"));
        console.seeOther(ctx, ConsolePages.done("/apps", "app-deleted"));
    }

    /** POST /apps/{client_id}/deliveries/{id}/redeliver */
    public void redeliver(Context ctx, Caller caller, FormParams form) {
        String clientId = ctx.pathParam("client_id");
        webhooks.redeliver(caller, clientId, JsonBody.parseUuid("id", ctx.pathParam("id")));
        console.seeOther(ctx, ConsolePages.done("/apps/" + clientId, "redelivered") + "#deliveries");
    }

    private void refused(Context ctx, Caller caller, Client app, FormParams form, OAuthException e) {
        if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT) {
            throw e;
        }
        console.render(ctx, e.error().status(), "app-form.jte", formPage(caller, app, FormState.refused(form, e, FIELDS)));
    }

    private FormPage formPage(Caller caller, Client app, FormState form) {
        List<Organization> mine = orgs.list(caller, false, PageRequest.first(PageRequest.MAX_LIMIT)).data();
        List<Scope> catalog = wholeCatalog();
        return new FormPage(console.nav(caller, "apps"), app, form, mine, catalog, Client.GRANT_TYPES, BUILT_IN_EVENTS);
    }

    /** Every scope of the catalog: the form shows them all, so saving cannot drop one it did not show. */
    private List<Scope> wholeCatalog() {
        List<Scope> all = new ArrayList<>();
        PageRequest page = PageRequest.first(PageRequest.MAX_LIMIT);
        while (true) {
            Page<Scope> found = scopes.list(page);
            all.addAll(found.data());
            if (found.nextCursor() == null) {
                return all;
            }
            page = PageRequest.parse(String.valueOf(PageRequest.MAX_LIMIT), found.nextCursor());
        }
    }

    /**
     * The quick-start box. The curl lines are for pasting into a shell, and a redirect URI may hold
     * characters a shell acts on ({@code ; $ '}), so every value is single-quoted.
     */
    private QuickStart quickStart(Client app) {
        String redirect = app.redirectUris().isEmpty() ? "https://your-app.example/callback" : app.redirectUris().getFirst();
        String scope = String.join(" ", app.scopes());
        String authorize = issuer + "/oauth/authorize?response_type=code&client_id=" + encode(app.clientId())
                + "&redirect_uri=" + encode(redirect) + (scope.isEmpty() ? "" : "&scope=" + encode(scope))
                + "&state=STATE&code_challenge=CODE_CHALLENGE&code_challenge_method=S256";
        String auth = app.confidential() ? "-u " + shellQuoted(app.clientId() + ":CLIENT_SECRET") + " " : "";
        String publicId = app.confidential() ? "" : " -d " + shellQuoted("client_id=" + app.clientId());
        String tokenUrl = shellQuoted(issuer + "/oauth/token");
        String token = "curl " + auth + tokenUrl + " -d grant_type=authorization_code -d code=CODE"
                + " --data-urlencode " + shellQuoted("redirect_uri=" + redirect) + " -d code_verifier=CODE_VERIFIER" + publicId;
        String clientCredentials = app.grantTypes().contains(Client.CLIENT_CREDENTIALS)
                ? "curl " + auth + tokenUrl + " -d grant_type=client_credentials" : null;
        return new QuickStart(authorize, token, clientCredentials);
    }

    /** {@code value} as one POSIX shell word: single quotes, each inner quote closed, escaped and reopened. */
    static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /**
     * The form as a create or update request, with the API's member names. An update sends every
     * member the form shows (an unticked box is an empty list), never the two that cannot change.
     */
    static ClientSpec spec(FormParams form, boolean creating) {
        Set<String> present = new HashSet<>(FIELDS);
        if (!creating) {
            present.remove("owner_org_id");
            present.remove("confidential");
        }
        present.remove("access_token_signing_alg");
        String alg = form.get("access_token_signing_alg");
        if (alg != null) {
            present.add("access_token_signing_alg");
        }
        return new ClientSpec(present,
                trimmed(form.get("name")),
                trimmed(form.get("description")),
                trimmed(form.get("homepage_url")),
                form.get("owner_org_id") == null ? null : JsonBody.parseUuid("owner_org_id", form.get("owner_org_id")),
                lines(form.get("redirect_uris")),
                lines(form.get("post_logout_redirect_uris")),
                form.all("grant_types"),
                String.join(" ", form.all("scope")),
                !"public".equals(form.get("client_type")),
                form.all("actor_modes"),
                form.get("access_token_format") == null ? "opaque" : form.get("access_token_format"),
                alg,
                form.get("access_token_jwt_typ"),
                form.get("id_token_signed_response_alg"),
                wholeNumber(form, "access_token_ttl"),
                form.has("refresh_token_rotation"),
                null,
                null,
                trimmed(form.get("webhook_url")),
                events(form),
                null,
                form.has("require_pushed_authorization_requests"),
                form.has("dpop_bound_access_tokens"),
                null,
                null,
                null,
                null, null);
    }

    private static List<String> events(FormParams form) {
        Set<String> events = new LinkedHashSet<>(form.all("webhook_events"));
        String other = form.get("other_events");
        if (other != null) {
            for (String type : other.split("[\\s,]+")) {
                if (!type.isEmpty()) {
                    events.add(type);
                }
            }
        }
        return new ArrayList<>(events);
    }

    private static List<String> lines(String text) {
        if (text == null) {
            return List.of();
        }
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static Integer wholeNumber(FormParams form, String name) {
        String value = form.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw OAuthException.validation(name + " must be a whole number");
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
