package gatehouse.webhooks;

import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The webhook outbox. */
public final class WebhookRepository {
    private static final RowMapper<WebhookDelivery> MAPPER = (rs, ctx) -> new WebhookDelivery(Rows.uuid(rs, "id"),
            rs.getString("client_id"), Rows.uuid(rs, "event_id"), rs.getString("event_type"),
            Rows.uuid(rs, "organization_id"), rs.getString("payload"), rs.getString("status"), rs.getInt("attempts"),
            Rows.instant(rs, "next_attempt_at"), Rows.instant(rs, "give_up_at"), Rows.instant(rs, "last_attempt_at"),
            Rows.integerOrNull(rs, "last_status"), rs.getString("last_error"), Rows.instant(rs, "created_at"),
            Rows.instant(rs, "delivered_at"), Rows.instant(rs, "cancelled_at"));
    private static final String COLUMNS = """
            id, client_id, event_id, event_type, organization_id, payload, status, attempts, next_attempt_at,
            give_up_at, last_attempt_at, last_status, last_error, created_at, delivered_at, cancelled_at""";

    /**
     * Apps to tell about {@code type} in the organization: subscribed, with a URL, and with
     * webhooks:manage there — by an installation an owner or admin approved, or, in the app's own
     * organization, because an owner or admin of it registered the app (a plain member's app does
     * not hear its organization's events).
     */
    public List<String> subscribers(Handle handle, UUID orgId, String type) {
        return handle.createQuery("""
                        SELECT c.client_id FROM clients c
                        WHERE c.webhook_url IS NOT NULL AND :type = ANY (c.webhook_events)
                          AND (EXISTS (SELECT 1 FROM installations i
                                       WHERE i.client_id = c.client_id AND i.organization_id = :orgId
                                         AND i.revoked_at IS NULL AND 'webhooks:manage' = ANY (i.scopes))
                               OR c.owner_org_id = :orgId
                                  AND 'webhooks:manage' = ANY (client_allowed_scopes(c.scopes, c.approved_scopes))
                                  AND EXISTS (SELECT 1 FROM memberships m
                                              WHERE m.organization_id = :orgId AND m.user_id = c.created_by
                                                AND m.role IN ('owner', 'admin')))""")
                .bind("orgId", orgId)
                .bind("type", type)
                .mapTo(String.class)
                .list();
    }

    /** Whether the app wants {@code type} at all (subscribed, with a URL). */
    public boolean subscribed(Handle handle, String clientId, String type) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM clients WHERE client_id = :clientId
                                       AND webhook_url IS NOT NULL AND :type = ANY (webhook_events))""")
                .bind("clientId", clientId)
                .bind("type", type)
                .mapTo(Boolean.class)
                .one();
    }

    /**
     * Stops pending deliveries of the app's events from the organization (it was disconnected
     * there), for good: a cancelled delivery is never requeued.
     */
    public void cancelPending(Handle handle, String clientId, UUID orgId, Instant now) {
        handle.createUpdate("""
                        UPDATE webhook_deliveries SET status = 'failed', last_error = 'the app was disconnected',
                                                      cancelled_at = :now
                        WHERE client_id = :clientId AND organization_id = :orgId AND status = 'pending'""")
                .bind("clientId", clientId).bind("orgId", orgId).bind("now", now).execute();
    }

    public void insert(Handle handle, UUID id, String clientId, UUID eventId, String type, UUID orgId, String payload,
                       Instant now, Instant giveUpAt) {
        handle.createUpdate("""
                        INSERT INTO webhook_deliveries (id, client_id, event_id, event_type, organization_id, payload,
                                                        status, next_attempt_at, give_up_at, created_at)
                        VALUES (:id, :clientId, :eventId, :type, :orgId, :payload, 'pending', :now, :giveUpAt, :now)""")
                .bind("id", id)
                .bind("clientId", clientId)
                .bind("eventId", eventId)
                .bind("type", type)
                .bind("orgId", orgId)
                .bind("payload", payload)
                .bind("now", now)
                .bind("giveUpAt", giveUpAt)
                .execute();
    }

    /**
     * Claims up to {@code limit} due deliveries for this node: counts the attempt and leases the row
     * until {@code now + lease}, in one statement that skips rows another node is claiming.
     */
    public List<WebhookDelivery> claimDue(Handle handle, int limit, Instant now, Duration lease) {
        return handle.createQuery("""
                        UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = :now,
                                                      next_attempt_at = :leaseEnd
                        WHERE id IN (SELECT id FROM webhook_deliveries
                                     WHERE status = 'pending' AND next_attempt_at <= :now
                                     ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING""" + " " + COLUMNS)
                .bind("now", now)
                .bind("leaseEnd", now.plus(lease))
                .bind("limit", limit)
                .map(MAPPER)
                .list();
    }

    /**
     * Records a successful attempt — only if it is still the latest claim ({@code attempts}
     * unchanged): a node that outlived its lease must not overwrite a newer attempt's state.
     */
    public void markDelivered(Handle handle, UUID id, int attempt, int status, Instant now) {
        handle.createUpdate("""
                        UPDATE webhook_deliveries SET status = 'delivered', delivered_at = :now, last_status = :status,
                                                      last_error = NULL
                        WHERE id = :id AND attempts = :attempt""")
                .bind("id", id).bind("attempt", attempt).bind("status", status).bind("now", now).execute();
    }

    /**
     * Records a failed attempt (if still the latest claim, and not cancelled meanwhile): retried at
     * {@code nextAttempt}, or given up when null.
     */
    public void markAttemptFailed(Handle handle, UUID id, int attempt, Integer status, String error, Instant nextAttempt) {
        handle.createUpdate("""
                        UPDATE webhook_deliveries SET last_status = :status, last_error = :error,
                               status = CASE WHEN CAST(:next AS timestamptz) IS NULL THEN 'failed' ELSE 'pending' END,
                               next_attempt_at = coalesce(CAST(:next AS timestamptz), next_attempt_at)
                        WHERE id = :id AND attempts = :attempt AND status = 'pending'""")
                .bind("id", id).bind("attempt", attempt).bind("status", status).bind("error", error)
                .bind("next", nextAttempt).execute();
    }

    public String webhookUrl(Handle handle, String clientId) {
        return handle.createQuery("SELECT webhook_url FROM clients WHERE client_id = :clientId")
                .bind("clientId", clientId).mapTo(String.class).findOne().orElse(null);
    }

    public List<WebhookDelivery> list(Handle handle, String clientId, PageRequest page) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM webhook_deliveries"
                        + " WHERE client_id = :clientId AND id > :after ORDER BY id LIMIT :limit")
                .bind("clientId", clientId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    public Optional<WebhookDelivery> find(Handle handle, String clientId, UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE id = :id AND client_id = :clientId")
                .bind("id", id)
                .bind("clientId", clientId)
                .map(MAPPER)
                .findOne();
    }

    /**
     * Queues the delivery again from now (same webhook-id, so receivers can tell it is the same);
     * empty when there is no such delivery or it was cancelled.
     */
    public Optional<WebhookDelivery> requeue(Handle handle, String clientId, UUID id, Instant now, Instant giveUpAt) {
        return handle.createQuery("""
                        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = :now, give_up_at = :giveUpAt
                        WHERE id = :id AND client_id = :clientId AND cancelled_at IS NULL RETURNING""" + " " + COLUMNS)
                .bind("id", id)
                .bind("clientId", clientId)
                .bind("now", now)
                .bind("giveUpAt", giveUpAt)
                .map(MAPPER)
                .findOne();
    }
}
