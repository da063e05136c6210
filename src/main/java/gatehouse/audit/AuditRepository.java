package gatehouse.audit;

import gatehouse.store.StoredJson;

import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The append-only audit_logs table. */
public final class AuditRepository {

    public void insert(Handle handle, UUID id, Instant at, String action, String actorType, String actorId,
                       String clientId, UUID organizationId, String ip, String userAgent, String outcome,
                       String detailsJson) {
        handle.createUpdate("""
                        INSERT INTO audit_logs (id, at, action, actor_type, actor_id, client_id, organization_id, ip,
                            user_agent, outcome, details)
                        VALUES (:id, :at, :action, :actorType, :actorId, :clientId, :orgId, :ip, :userAgent, :outcome,
                            CAST(:details AS jsonb))""")
                .bind("id", id).bind("at", at).bind("action", action).bind("actorType", actorType)
                .bind("actorId", actorId).bind("clientId", clientId).bind("orgId", organizationId).bind("ip", ip)
                .bind("userAgent", userAgent).bind("outcome", outcome).bind("details", detailsJson)
                .execute();
    }

    public List<AuditEntry> find(Handle handle, AuditLog.Query q, List<UUID> organizations, PageRequest page) {
        return handle.createQuery("""
                        SELECT id, at, action, actor_type, actor_id, client_id, organization_id, ip, user_agent, outcome,
                               details::text AS details
                        FROM audit_logs
                        WHERE id > :after
                          AND (CAST(:action AS text) IS NULL OR action = :action)
                          AND (CAST(:actorId AS text) IS NULL OR actor_id = :actorId)
                          AND (CAST(:clientId AS text) IS NULL OR client_id = :clientId)
                          AND (CAST(:orgId AS uuid) IS NULL OR organization_id = :orgId)
                          AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
                          AND (CAST(:until AS timestamptz) IS NULL OR at < :until)
                          AND (CAST(:restricted AS boolean) = false OR organization_id = ANY (:orgs))
                        ORDER BY id LIMIT :limit""")
                .bind("after", page.after()).bind("limit", page.fetchSize())
                .bind("action", q.action()).bind("actorId", q.actorId()).bind("clientId", q.clientId())
                .bind("orgId", q.organizationId()).bind("since", q.since()).bind("until", q.until())
                .bind("restricted", organizations != null)
                .bind("orgs", (organizations == null ? List.<UUID>of() : organizations).toArray(UUID[]::new))
                .map((rs, ctx) -> new AuditEntry(Rows.uuid(rs, "id"), Rows.instant(rs, "at"), rs.getString("action"),
                        rs.getString("actor_type"), rs.getString("actor_id"), rs.getString("client_id"),
                        Rows.uuid(rs, "organization_id"), rs.getString("ip"), rs.getString("user_agent"),
                        rs.getString("outcome"), StoredJson.readTree(rs.getString("details"))))
                .list();
    }
}
