package gatehouse.webhooks;

import gatehouse.installations.Installation;
import gatehouse.installations.InstallationService;
import gatehouse.store.Ids;
import gatehouse.tokens.TokenEvents;
import gatehouse.vault.Connection;
import gatehouse.vault.ConnectionEvents;
import gatehouse.web.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;

/**
 * The webhook outbox: events are written to {@code webhook_deliveries} in the transaction of the
 * change they report, one row per app that hears of it (and one without an app for the SaaS-wide
 * endpoint), for {@link WebhookDispatcher} to send. It
 * needs only the deliveries table, so the token and installation services, which report their
 * changes here, can be built before everything the management API of webhooks needs.
 */
public final class WebhookOutbox implements InstallationService.InstallationEvents, TokenEvents, ConnectionEvents {
    static final Duration DELIVERY_WINDOW = Duration.ofHours(24);

    private final WebhookRepository deliveries;
    private final Clock clock;
    private final Predicate<String> saasWide;

    /** {@code saasWide}: the event types the SaaS-wide endpoint (GATEHOUSE_EVENTS_WEBHOOK_URL) receives. */
    public WebhookOutbox(WebhookRepository deliveries, Clock clock, Predicate<String> saasWide) {
        this.deliveries = deliveries;
        this.clock = clock;
        this.saasWide = saasWide;
    }

    @Override
    public void created(Handle handle, Installation installation) {
        tellInstalledApp(handle, installation, "installation.created");
    }

    /** The organization's events stop reaching the app; only the news of its disconnection goes out. */
    @Override
    public void revoked(Handle handle, Installation installation) {
        deliveries.cancelPending(handle, installation.clientId(), installation.organizationId(), clock.instant());
        tellInstalledApp(handle, installation, "installation.revoked");
    }

    /** {@code token.revoked}: a user took the app's tokens away in an organization (consent or session ended). */
    @Override
    public void tokensRevoked(Handle handle, String clientId, UUID organizationId, UUID userId, String reason) {
        if (organizationId == null || !deliveries.subscribers(handle, organizationId, "token.revoked").contains(clientId)) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("client_id", clientId);
        data.put("user_id", userId == null ? null : userId.toString());
        data.put("reason", reason);
        enqueue(handle, List.of(clientId), Ids.newId(), "token.revoked", organizationId, data);
    }

    /**
     * A connection's event goes to the apps that manage webhooks in its organization and subscribed
     * to the type, and to the SaaS-wide endpoint when one is configured for it (docs/vault-events.md).
     */
    @Override
    public void changed(Handle handle, String type, Connection connection, String error) {
        List<String> recipients = new ArrayList<>(deliveries.subscribers(handle, connection.organizationId(), type));
        if (saasWide.test(type)) {
            recipients.add(null);
        }
        if (recipients.isEmpty()) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("connection", connection);
        if (error != null) {
            data.put("error", error);
        }
        enqueue(handle, recipients, Ids.newId(), type, connection.organizationId(), data);
    }

    /** The app itself hears of its installation when it asked for webhooks:manage there. */
    private void tellInstalledApp(Handle handle, Installation installation, String type) {
        if (!installation.scopes().contains(WebhookService.MANAGE_SCOPE) || !deliveries.subscribed(handle, installation.clientId(), type)) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("installation_id", installation.id().toString());
        data.put("client_id", installation.clientId());
        data.put("organization_id", installation.organizationId().toString());
        data.put("scopes", installation.scopes());
        enqueue(handle, List.of(installation.clientId()), Ids.newId(), type, installation.organizationId(), data);
    }

    void enqueue(Handle handle, List<String> clientIds, UUID eventId, String type, UUID orgId, Object data) {
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId.toString());
        body.put("type", type);
        body.put("created_at", Json.instant(now));
        body.put("organization_id", orgId == null ? null : orgId.toString());
        body.put("data", data);
        String payload = Json.writeString(body);
        for (String clientId : clientIds) {
            deliveries.insert(handle, Ids.newId(), clientId, eventId, type, orgId, payload, now, now.plus(DELIVERY_WINDOW));
        }
    }

}
