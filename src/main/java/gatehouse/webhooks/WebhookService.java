package gatehouse.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.clients.ClientService;
import gatehouse.clients.WebhookSecrets;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.auth.Caller;
import gatehouse.web.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Webhooks to apps (docs/http.md, "The management API"): events are written to the outbox in the transaction of the change
 * they report, one row per subscribed app, and sent by {@link WebhookDispatcher}. Apps hear of an
 * organization's events when they are installed there (or owned by it) with {@code webhooks:manage}
 * and subscribed to the event type.
 */
public final class WebhookService {
    public static final String PUBLISH_SCOPE = Caller.EVENTS_PUBLISH_SCOPE;
    public static final String MANAGE_SCOPE = "webhooks:manage";

    private final Database database;
    private final WebhookRepository deliveries;
    private final WebhookSecrets secrets;
    private final ClientService clients;
    private final OrgService orgs;
    private final Clock clock;
    private final WebhookOutbox outbox;

    public WebhookService(Database database, WebhookRepository deliveries, WebhookOutbox outbox, WebhookSecrets secrets,
                          ClientService clients, OrgService orgs, Clock clock) {
        this.outbox = outbox;
        this.database = database;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.clients = clients;
        this.orgs = orgs;
        this.clock = clock;
    }

    /** What {@code POST /api/v1/events} answers. */
    public record Published(UUID id, String type, UUID organizationId, int deliveries) {
    }

    /** {@code POST /api/v1/events}: the SaaS's own event, fanned out to the apps that want it. */
    public Published publish(Caller caller, UUID orgId, String type, JsonNode data) {
        if (!caller.isPlatformAdmin() && !isPublisherService(caller)) {
            throw OAuthException.forbidden("publishing events needs a service token (actor app, in its own "
                    + "organization) with scope " + PUBLISH_SCOPE + ", or an admin");
        }
        if (orgId == null) {
            throw OAuthException.validation("organization_id is required");
        }
        if (!ClientService.isEventType(type)) {
            throw OAuthException.validation("type must look like resource.action: lowercase words joined by dots");
        }
        if (type.startsWith("installation.") || type.startsWith("token.") || type.startsWith("connection.")) {
            throw OAuthException.validation("type " + type + " is reserved for events Gatehouse sends itself");
        }
        if (data != null && !data.isObject()) {
            throw OAuthException.validation("data must be a JSON object");
        }
        if (orgs.findName(orgId).isEmpty()) {
            throw OAuthException.notFound("no such organization");
        }
        UUID eventId = Ids.newId();
        int count = database.inTransaction(handle -> {
            List<String> subscribers = deliveries.subscribers(handle, orgId, type);
            outbox.enqueue(handle, subscribers, eventId, type, orgId, data == null ? Json.MAPPER.createObjectNode() : data);
            return subscribers.size();
        });
        return new Published(eventId, type, orgId, count);
    }

    /**
     * The SaaS's own services publish: an app acting as itself in its owner organization, holding
     * the restricted events:publish (so an admin approved it). An installed app's token, or a
     * user's, cannot inject events, whatever scopes it was given.
     */
    private boolean isPublisherService(Caller caller) {
        if (!caller.isServiceWith(PUBLISH_SCOPE)) {
            return false;
        }
        return clients.findOptional(caller.clientId())
                .map(client -> client.ownerOrgId() != null && client.ownerOrgId().equals(caller.organizationId()))
                .orElse(false);
    }

    /** The app's delivery log, for those who may see the app. */
    public Page<WebhookDelivery> deliveries(Caller caller, String clientId, PageRequest page) {
        clients.get(caller, clientId);
        return Page.of(database.withHandle(handle -> deliveries.list(handle, clientId, page)), page.limit(),
                WebhookDelivery::id);
    }

    /**
     * Sends a delivery again, from now, for another 24 hours of retries — unless the app's
     * disconnection from the organization cancelled it: the organization's events stopped
     * reaching the app then, and a redelivery must not bring them back.
     */
    public WebhookDelivery redeliver(Caller caller, String clientId, UUID deliveryId) {
        clients.get(caller, clientId);
        Instant now = clock.instant();
        return database.inTransaction(handle -> deliveries.requeue(handle, clientId, deliveryId, now,
                        now.plus(WebhookOutbox.DELIVERY_WINDOW))
                .orElseThrow(() -> deliveries.find(handle, clientId, deliveryId).isPresent()
                        ? OAuthException.conflict("this delivery was cancelled when the app was disconnected from "
                                + "the organization, and cannot be redelivered")
                        : OAuthException.notFound("no such delivery")));
    }

    /** A new webhook secret for the app (the old one stops signing at once); shown this once. */
    public String rotateSecret(Caller caller, String clientId) {
        clients.requireEditable(caller, clientId);
        return database.inTransaction(handle -> secrets.issue(handle, clientId));
    }
}
