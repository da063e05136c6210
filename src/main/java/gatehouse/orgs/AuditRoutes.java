package gatehouse.orgs;

import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code GET /api/v1/audit-logs}: platform admins see every entry; an organization's owners and
 * admins see their organizations' entries only.
 */
public final class AuditRoutes {
    private final AuditReader audit;
    private final CallerSource callers;

    public AuditRoutes(AuditReader audit, CallerSource callers) {
        this.audit = audit;
        this.callers = callers;
    }

    public void list(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        FormParams query = Bodies.query(ctx);
        UUID organizationId = query.get("organization_id") == null ? null
                : JsonBody.parseUuid("organization_id", query.get("organization_id"));
        var filter = new AuditLog.Query(query.get("action"), query.get("actor_id"), query.get("client_id"),
                organizationId, instant(query, "since"), instant(query, "until"));
        var page = Bodies.page(ctx);
        Responses.ok(ctx, audit.find(caller, filter, page));
    }

    private static Instant instant(FormParams query, String name) {
        return AuditLog.parseTime(name, query.get(name));
    }
}
