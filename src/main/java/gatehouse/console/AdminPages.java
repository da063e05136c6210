package gatehouse.console;

import gatehouse.audit.AuditEntry;
import gatehouse.auth.Caller;
import gatehouse.clients.Client;
import gatehouse.clients.ClientApprovals;
import gatehouse.clients.ClientService;
import gatehouse.clients.VaultAccess;
import gatehouse.clients.VaultAccessJson;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.jwt.SigningKey;
import gatehouse.jwt.SigningKeys;
import gatehouse.orgs.AuditReader;
import gatehouse.scopes.Scope;
import gatehouse.scopes.ScopeService;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.users.User;
import gatehouse.users.UserService;
import gatehouse.vault.Connections;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Json;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /admin}: the platform admins' pages — approvals, users, scopes, audit log (with CSV and
 * JSON-lines downloads), signing keys, and the system page. Who may call: platform admins; anyone
 * else gets 403 on every page and form (the section's rule in {@link ConsolePages}, the same
 * {@link Caller#isPlatformAdmin()} the services apply again to each change).
 */
public final class AdminPages {
    private static final List<String> SCOPE_FIELDS = List.of("name", "description", "restricted");
    /** The most entries one download carries; narrow the filters for more. */
    static final int MAX_DOWNLOAD = 10_000;

    /** The system facts that do not come from a service: the version and the configuration (no secrets). */
    public record SystemFacts(String version, Map<String, String> configuration, BooleanSupplier databaseUp,
                              Supplier<String> redis, Supplier<Instant> refresherLastRun) {
    }

    private final ConsolePages console;
    private final ClientService clients;
    private final ClientApprovals approvals;
    private final UserService users;
    private final ScopeService scopes;
    private final AuditReader audit;
    private final SigningKeys keys;
    private final Connections connections;
    private final Names names;
    private final SystemFacts system;

    public AdminPages(ConsolePages console, ClientService clients, ClientApprovals approvals, UserService users,
                      ScopeService scopes, AuditReader audit, SigningKeys keys, Connections connections, Names names,
                      SystemFacts system) {
        this.console = console;
        this.clients = clients;
        this.approvals = approvals;
        this.users = users;
        this.scopes = scopes;
        this.audit = audit;
        this.keys = keys;
        this.connections = connections;
        this.names = names;
        this.system = system;
    }

    /** One thing an app waits for: a restricted scope, or the password grant. */
    public record Request(Client app, String organizationName, String kind, String name) {
    }

    public record ApprovalsPage(Pages.Nav nav, String notice, List<Request> requests, String next) {
    }

    public record UsersPage(Pages.Nav nav, String notice, String error, String search, Page<User> users, String nextLink) {
    }

    public record ScopesPage(Pages.Nav nav, String notice, Page<Scope> scopes, FormState form, UUID editing) {
    }

    public record KeysPage(Pages.Nav nav, String notice, Page<SigningKey> keys) {
    }

    public record SystemPage(Pages.Nav nav, String version, boolean databaseUp, String redis,
                             Map<String, Object> vault, Map<String, String> configuration) {
    }

    /** GET /admin: the apps waiting for approval, one row per app and requested scope or grant type. */
    public void approvals(Context ctx, Caller caller) {
        Page<Client> waiting = clients.list(caller, true, Bodies.page(ctx));
        List<Request> requests = new ArrayList<>();
        for (Client app : waiting.data()) {
            String org = names.org(app.ownerOrgId());
            app.pendingScopes().forEach(scope -> requests.add(new Request(app, org, "scope", scope)));
            app.pendingGrantTypes().forEach(grant -> requests.add(new Request(app, org, "grant_type", grant)));
            app.vault().pending().forEach(rule -> requests.add(new Request(app, org, "vault_access",
                    VaultAccessJson.write(List.of(rule)))));
        }
        console.render(ctx, "admin-approvals.jte", new ApprovalsPage(console.nav(caller, "admin"), ConsolePages.notice(ctx),
                requests, waiting.nextCursor()));
    }

    /** POST /admin/approvals/{client_id} {kind, name, decision=approve|refuse} */
    public void decide(Context ctx, Caller caller, FormParams form) {
        String clientId = ctx.pathParam("client_id");
        String name = form.get("name");
        if (name == null) {
            throw OAuthException.validation("name the scope or grant type to decide on");
        }
        if ("vault_access".equals(form.get("kind"))) {
            List<VaultAccess> rules = vaultAccessRule(name);
            switch (String.valueOf(form.get("decision"))) {
                case "approve" -> approvals.approveVaultAccess(caller, clientId, rules);
                case "refuse" -> approvals.refuseVaultAccess(caller, clientId, rules);
                default -> throw OAuthException.validation("decision must be approve or refuse");
            }
            console.seeOther(ctx, ConsolePages.done("/admin", "approve".equals(form.get("decision")) ? "approved" : "refused"));
            return;
        }
        List<String> scope = "scope".equals(form.get("kind")) ? List.of(name) : List.of();
        List<String> grant = "grant_type".equals(form.get("kind")) ? List.of(name) : List.of();
        switch (String.valueOf(form.get("decision"))) {
            case "approve" -> approvals.approve(caller, clientId, scope, grant);
            case "refuse" -> approvals.refuse(caller, clientId, scope, grant);
            default -> throw OAuthException.validation("decision must be approve or refuse");
        }
        console.seeOther(ctx, ConsolePages.done("/admin", "approve".equals(form.get("decision")) ? "approved" : "refused"));
    }

    /** The rule a vault access row of the approvals page carries (as JSON), checked like a registration's. */
    private static List<VaultAccess> vaultAccessRule(String json) {
        List<VaultAccess> rules;
        try {
            rules = VaultAccessJson.read(json);
        } catch (RuntimeException e) {
            throw OAuthException.validation("name the vault access rule to decide on, as the page shows it");
        }
        return VaultAccess.checked(rules);
    }

    /** GET /admin/users?q= */
    public void users(Context ctx, Caller caller) {
        console.render(ctx, "admin-users.jte", usersPage(ctx, caller, null));
    }

    private UsersPage usersPage(Context ctx, Caller caller, String error) {
        String search = Bodies.query(ctx).get("q");
        Page<User> found = users.list(caller, search, Bodies.page(ctx));
        String next = found.nextCursor() == null ? null : "/admin/users?"
                + (search == null ? "" : "q=" + URLEncoder.encode(search, StandardCharsets.UTF_8) + "&") + "cursor=" + found.nextCursor();
        return new UsersPage(console.nav(caller, "admin"), ConsolePages.notice(ctx), error, search == null ? "" : search,
                found, next);
    }

    /** POST /admin/users/{user_id} {admin=on, disabled=on}: roles and the disabled flag. */
    public void updateUser(Context ctx, Caller caller, FormParams form) {
        UUID userId = JsonBody.parseUuid("user_id", ctx.pathParam("user_id"));
        List<String> roles = form.has("admin") ? List.of(User.ROLE_USER, User.ROLE_ADMIN) : List.of(User.ROLE_USER);
        try {
            users.adminUpdate(caller, userId, null, roles, form.has("disabled"));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.CONFLICT && e.error() != OAuthError.VALIDATION_FAILED) {
                throw e;
            }
            console.render(ctx, e.error().status(), "admin-users.jte", usersPage(ctx, caller, e.description()));
            return;
        }
        console.seeOther(ctx, ConsolePages.done("/admin/users", "user-updated"));
    }

    /** GET /admin/users/{user_id}/delete */
    public void confirmDeleteUser(Context ctx, Caller caller) {
        User user = users.get(JsonBody.parseUuid("user_id", ctx.pathParam("user_id")));
        console.render(ctx, "confirm.jte", new Confirm(console.nav(caller, "admin"), "Delete " + user.username() + "?",
                "The account, its sessions, memberships, consents and every token acting as this person are deleted.",
                "/admin/users/" + user.id() + "/delete", "Delete user", "/admin/users"));
    }

    /** POST /admin/users/{user_id}/delete */
    public void deleteUser(Context ctx, Caller caller, FormParams form) {
        users.delete(caller, JsonBody.parseUuid("user_id", ctx.pathParam("user_id")));
        console.seeOther(ctx, ConsolePages.done("/admin/users", "user-deleted"));
    }

    /** GET /admin/scopes */
    public void scopes(Context ctx, Caller caller) {
        console.render(ctx, "admin-scopes.jte", scopesPage(ctx, caller, FormState.empty(), null));
    }

    /** POST /admin/scopes {name, description, restricted} */
    public void createScope(Context ctx, Caller caller, FormParams form) {
        try {
            scopes.create(caller, form.get("name"), form.get("description"), form.has("restricted"));
            console.seeOther(ctx, ConsolePages.done("/admin/scopes", "scope-saved"));
        } catch (OAuthException e) {
            scopeRefused(ctx, caller, form, e, null);
        }
    }

    /** POST /admin/scopes/{scope_id} {description, restricted} */
    public void updateScope(Context ctx, Caller caller, FormParams form) {
        UUID id = JsonBody.parseUuid("scope_id", ctx.pathParam("scope_id"));
        try {
            scopes.update(caller, id, null, form.get("description") == null ? "" : form.get("description"),
                    form.has("restricted"));
            console.seeOther(ctx, ConsolePages.done("/admin/scopes", "scope-saved"));
        } catch (OAuthException e) {
            scopeRefused(ctx, caller, form, e, id);
        }
    }

    /** POST /admin/scopes/{scope_id}/delete */
    public void deleteScope(Context ctx, Caller caller, FormParams form) {
        scopes.delete(caller, JsonBody.parseUuid("scope_id", ctx.pathParam("scope_id")));
        console.seeOther(ctx, ConsolePages.done("/admin/scopes", "scope-deleted"));
    }

    /** GET /admin/audit */
    public void audit(Context ctx, Caller caller) {
        FormParams query = Bodies.query(ctx);
        Page<AuditEntry> entries = audit.find(caller, AuditFilters.parse(query, null), Bodies.page(ctx));
        String filters = AuditFilters.queryString(query);
        console.render(ctx, "audit.jte", new AuditView(console.nav(caller, "admin"), "Audit log", "/admin/audit", null,
                names.auditRows(entries.data()), query, AuditFilters.nextLink("/admin/audit", query, entries),
                filters.isEmpty() ? "" : "?" + filters));
    }

    /** GET /admin/audit.csv: the filtered entries, the API's fields as columns. */
    public void auditCsv(Context ctx, Caller caller) {
        StringBuilder out = new StringBuilder(AuditExport.CSV_HEADER);
        for (AuditEntry entry : download(ctx, caller)) {
            out.append(AuditExport.csvRow(entry));
        }
        attachment(ctx, "text/csv; charset=utf-8", "audit-log.csv", out.toString());
    }

    /** GET /admin/audit.jsonl: the filtered entries, one API-shaped JSON object per line. */
    public void auditJsonLines(Context ctx, Caller caller) {
        StringBuilder out = new StringBuilder();
        for (AuditEntry entry : download(ctx, caller)) {
            out.append(Json.writeString(entry)).append('\n');
        }
        attachment(ctx, "application/jsonl; charset=utf-8", "audit-log.jsonl", out.toString());
    }

    /** GET /admin/keys */
    public void keys(Context ctx, Caller caller) {
        console.render(ctx, "admin-keys.jte", new KeysPage(console.nav(caller, "admin"), ConsolePages.notice(ctx),
                Page.cut(keys.list(caller), SigningKey::id, Bodies.page(ctx))));
    }

    /** POST /admin/keys/rotate */
    public void rotateKeys(Context ctx, Caller caller, FormParams form) {
        keys.rotate(caller);
        console.seeOther(ctx, ConsolePages.done("/admin/keys", "keys-rotated"));
    }

    /** GET /admin/system */
    public void system(Context ctx, Caller caller) {
        console.render(ctx, "admin-system.jte", new SystemPage(console.nav(caller, "admin"), system.version(),
                system.databaseUp().getAsBoolean(), system.redis().get(),
                connections.status(caller, system.refresherLastRun().get()), system.configuration()));
    }

    private ScopesPage scopesPage(Context ctx, Caller caller, FormState form, UUID editing) {
        return new ScopesPage(console.nav(caller, "admin"), ConsolePages.notice(ctx),
                scopes.list(Bodies.page(ctx)), form, editing);
    }

    private void scopeRefused(Context ctx, Caller caller, FormParams form, OAuthException e, UUID editing) {
        if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT) {
            throw e;
        }
        console.render(ctx, e.error().status(), "admin-scopes.jte",
                scopesPage(ctx, caller, FormState.refused(form, e, SCOPE_FIELDS), editing));
    }

    /** Every entry the filters match, page by page, up to {@link #MAX_DOWNLOAD}. */
    private List<AuditEntry> download(Context ctx, Caller caller) {
        FormParams query = Bodies.query(ctx);
        var filter = AuditFilters.parse(query, null);
        List<AuditEntry> all = new ArrayList<>();
        String cursor = null;
        do {
            Page<AuditEntry> page = audit.find(caller, filter, PageRequest.parse(String.valueOf(PageRequest.MAX_LIMIT), cursor));
            all.addAll(page.data());
            cursor = page.nextCursor();
        } while (cursor != null && all.size() < MAX_DOWNLOAD);
        return all.size() > MAX_DOWNLOAD ? all.subList(0, MAX_DOWNLOAD) : all;
    }

    private static void attachment(Context ctx, String contentType, String fileName, String body) {
        Pages.secureHeaders(ctx);
        ctx.header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .contentType(contentType)
                .result(body);
    }
}
