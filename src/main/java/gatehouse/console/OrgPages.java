package gatehouse.console;

import gatehouse.audit.AuditEntry;
import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.installations.Installation;
import gatehouse.installations.InstallationService;
import gatehouse.orgs.AuditReader;
import gatehouse.orgs.Membership;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.vault.Connection;
import gatehouse.vault.Connections;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.util.List;
import java.util.UUID;

/**
 * {@code /orgs}: organizations, their members, installed apps, vault connections and audit log.
 * Who may call: any signed-in person for the list and creation; an organization's pages answer 404
 * to non-members (the service's rule) and show the admin parts only to its owners and admins (and
 * platform admins) — whose posts the services refuse with 403 for anyone else.
 */
public final class OrgPages {
    private static final List<String> ORG_FIELDS = List.of("name", "slug");
    private static final List<String> MEMBER_FIELDS = List.of("username", "role");

    private final ConsolePages console;
    private final OrgService orgs;
    private final InstallationService installations;
    private final Connections connections;
    private final AuditReader audit;
    private final Names names;

    public OrgPages(ConsolePages console, OrgService orgs, InstallationService installations, Connections connections,
                    AuditReader audit, Names names) {
        this.console = console;
        this.orgs = orgs;
        this.installations = installations;
        this.connections = connections;
        this.audit = audit;
        this.names = names;
    }

    /** The model of orgs.jte. */
    public record ListPage(Pages.Nav nav, String notice, Page<Organization> orgs, FormState form) {
    }

    /** One installed app as the organization page lists it. */
    public record Installed(Installation installation, String publisher, String installedBy) {
    }

    /** The model of org.jte. {@code admin}: the person may manage this organization (the admin parts show). */
    public record OrgPage(Pages.Nav nav, String notice, Organization org, String role, boolean admin,
                          Page<Membership> members, FormState memberForm, List<Installed> installed, String installedNext,
                          List<Connections.PlatformCard> platforms, List<Connections.ConnectOption> connectOptions,
                          List<Connection> connections, String connectionsNext) {
    }

    /** GET /orgs */
    public void list(Context ctx, Caller caller) {
        console.render(ctx, "orgs.jte", new ListPage(console.nav(caller, "orgs"), ConsolePages.notice(ctx),
                orgs.list(caller, false, Bodies.page(ctx)), FormState.empty()));
    }

    /** POST /orgs */
    public void create(Context ctx, Caller caller, FormParams form) {
        try {
            Organization org = orgs.create(caller, form.get("name"), form.get("slug"));
            console.seeOther(ctx, ConsolePages.done("/orgs/" + org.id(), "org-created"));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT) {
                throw e;
            }
            console.render(ctx, e.error().status(), "orgs.jte", new ListPage(console.nav(caller, "orgs"), null,
                    orgs.list(caller, false, PageRequest.first(PageRequest.DEFAULT_LIMIT)),
                    FormState.refused(form, e, ORG_FIELDS)));
        }
    }

    /** GET /orgs/{id} */
    public void show(Context ctx, Caller caller) {
        console.render(ctx, "org.jte", orgPage(ctx, caller, orgId(ctx), FormState.empty()));
    }

    /** POST /orgs/{id}/members {username, role} */
    public void addMember(Context ctx, Caller caller, FormParams form) {
        UUID orgId = orgId(ctx);
        try {
            orgs.addMember(caller, orgId, form.get("username"), form.get("role"));
            console.seeOther(ctx, ConsolePages.done("/orgs/" + orgId, "member-added") + "#members");
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT
                    && !(e.error() == OAuthError.NOT_FOUND && e.description().startsWith("no user"))) {
                throw e;
            }
            FormState state = e.error() == OAuthError.NOT_FOUND
                    ? FormState.refusedAt(form, "username", "No account has this email address; ask them to create one first.")
                    : FormState.refused(form, e, MEMBER_FIELDS);
            console.render(ctx, e.error().status(), "org.jte", orgPage(ctx, caller, orgId, state));
        }
    }

    /** POST /orgs/{id}/members/{user_id}/role {role} */
    public void changeRole(Context ctx, Caller caller, FormParams form) {
        UUID orgId = orgId(ctx);
        try {
            orgs.changeRole(caller, orgId, userId(ctx), form.get("role"));
        } catch (OAuthException e) {
            if (e.error() != OAuthError.VALIDATION_FAILED && e.error() != OAuthError.CONFLICT) {
                throw e;
            }
            console.render(ctx, e.error().status(), "org.jte",
                    orgPage(ctx, caller, orgId, FormState.refusedAt(FormParams.parse(""), null, e.description())));
            return;
        }
        console.seeOther(ctx, ConsolePages.done("/orgs/" + orgId, "member-updated") + "#members");
    }

    /** POST /orgs/{id}/members/{user_id}/remove */
    public void removeMember(Context ctx, Caller caller, FormParams form) {
        UUID orgId = orgId(ctx);
        UUID userId = userId(ctx);
        orgs.removeMember(caller, orgId, userId);
        boolean left = userId.equals(caller.userId());
        console.seeOther(ctx, left ? "/orgs" : ConsolePages.done("/orgs/" + orgId, "member-removed") + "#members");
    }

    /** GET /orgs/{id}/installations/{installation_id}/disconnect: what stops working, and the button. */
    public void confirmDisconnect(Context ctx, Caller caller) {
        UUID orgId = orgId(ctx);
        UUID installationId = JsonBody.parseUuid("installation_id", ctx.pathParam("installation_id"));
        Installation installation = installations.get(caller, orgId, installationId);
        String org = names.org(orgId);
        console.render(ctx, "confirm.jte", new Confirm(console.nav(caller, "orgs"),
                "Disconnect " + installation.clientName() + " from " + org + "?",
                "Every token " + installation.clientName() + " holds in " + org + " stops working at once, as the app "
                        + "and for every member who authorized it here; its webhooks stop. To use it again, an admin "
                        + "installs it anew.",
                "/orgs/" + orgId + "/installations/" + installationId + "/disconnect", "Disconnect app",
                "/orgs/" + orgId + "#installed"));
    }

    /** POST /orgs/{id}/installations/{installation_id}/disconnect */
    public void disconnect(Context ctx, Caller caller, FormParams form) {
        UUID orgId = orgId(ctx);
        installations.disconnect(caller, orgId, JsonBody.parseUuid("installation_id", ctx.pathParam("installation_id")));
        console.seeOther(ctx, ConsolePages.done("/orgs/" + orgId, "disconnected") + "#installed");
    }

    /** GET /orgs/{id}/connections/{connection_id}/disconnect */
    public void confirmRemoveConnection(Context ctx, Caller caller) {
        UUID orgId = orgId(ctx);
        Connection connection = connection(caller, orgId, ctx);
        String platform = connections.label(connection.platform(), connection.kind());
        console.render(ctx, "confirm.jte", new Confirm(console.nav(caller, "orgs"),
                "Disconnect " + platform + " (" + connection.externalName() + ")?",
                "Gatehouse revokes the connection's tokens at " + platform + " and deletes them here. The services that "
                        + "read this organization's " + platform + " token get none until someone connects again.",
                "/orgs/" + orgId + "/connections/" + connection.id() + "/disconnect", "Disconnect " + platform,
                "/orgs/" + orgId + "#connections"));
    }

    /** POST /orgs/{id}/connections/{connection_id}/disconnect */
    public void removeConnection(Context ctx, Caller caller, FormParams form) {
        UUID orgId = orgId(ctx);
        connections.disconnect(caller, connection(caller, orgId, ctx).id());
        console.seeOther(ctx, ConsolePages.done("/orgs/" + orgId, "connection-removed") + "#connections");
    }

    /** GET /orgs/{id}/audit: the organization's audit log, for its owners and admins. */
    public void audit(Context ctx, Caller caller) {
        UUID orgId = orgId(ctx);
        Organization org = orgs.get(caller, orgId);
        FormParams query = Bodies.query(ctx);
        AuditLog.Query filter = AuditFilters.parse(query, orgId);
        Page<AuditEntry> entries = audit.find(caller, filter, Bodies.page(ctx));
        String path = "/orgs/" + orgId + "/audit";
        console.render(ctx, "audit.jte", new AuditView(console.nav(caller, "orgs"), "Audit log of " + org.name(), path,
                org.name(), names.auditRows(entries.data()), query, AuditFilters.nextLink(path, query, entries), null));
    }

    private OrgPage orgPage(Context ctx, Caller caller, UUID orgId, FormState memberForm) {
        Organization org = orgs.get(caller, orgId);
        String role = orgs.roleOf(orgId, caller.userId()).orElse(null);
        boolean admin = caller.isPlatformAdmin() || Membership.canAdminister(role);
        List<Installed> installed = List.of();
        List<Connection> connected = List.of();
        String installedNext = null;
        String connectionsNext = null;
        if (admin) {
            FormParams query = Bodies.query(ctx);
            Page<Installation> apps = installations.list(caller, orgId, PageRequest.parse(null, query.get("installed_cursor")));
            installed = apps.data().stream()
                    .map(i -> new Installed(i, names.org(names.ownerOf(i.clientId())), names.user(i.installedBy())))
                    .toList();
            installedNext = apps.nextCursor();
            Page<Connection> live = connections.list(caller, orgId, null, null,
                    PageRequest.parse(null, query.get("connections_cursor")));
            connected = live.data();
            connectionsNext = live.nextCursor();
        }
        return new OrgPage(console.nav(caller, "orgs"), ConsolePages.notice(ctx), org, role, admin,
                orgs.members(caller, orgId, Bodies.page(ctx)), memberForm, installed, installedNext,
                connections.platformCards(), connections.connectOptions(), connected, connectionsNext);
    }

    private Connection connection(Caller caller, UUID orgId, Context ctx) {
        Connection connection = connections.get(caller, JsonBody.parseUuid("connection_id", ctx.pathParam("connection_id")));
        if (!connection.organizationId().equals(orgId)) {
            throw OAuthException.notFound("no such connection");
        }
        return connection;
    }

    private static UUID orgId(Context ctx) {
        return JsonBody.parseUuid("id", ctx.pathParam("id"));
    }

    private static UUID userId(Context ctx) {
        return JsonBody.parseUuid("user_id", ctx.pathParam("user_id"));
    }
}
