package gatehouse.vault;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Handle;

/**
 * What GitHub and Slack tell the vault about its connections (docs/vault-webhooks.md), applied the
 * moment they arrive: an uninstalled or suspended GitHub App installation, a user who revoked a
 * GitHub App's authorization, a Slack app uninstalled or its tokens revoked.
 *
 * <p>A delivery is believed only with a valid signature (GitHub's {@code X-Hub-Signature-256},
 * Slack's {@code v0} signature over a timestamp within five minutes), compared in constant time;
 * anything else is 401 and changes nothing. A delivery already applied (same {@code
 * X-GitHub-Delivery}, same Slack {@code event_id}) is acknowledged and changes nothing: the record
 * of it is written in the transaction that applies it.
 */
public final class ProviderWebhooks {
    static final Duration SLACK_WINDOW = Duration.ofMinutes(5);
    private static final Actor PROVIDER = Actor.SYSTEM;

    private final Database database;
    private final VaultRepository vault;
    private final CredentialSeal seal;
    private final AuditLog audit;
    private final ConnectionEvents events;
    private final Platforms platforms;
    private final Clock clock;
    private final byte[] githubSecret;
    private final byte[] slackSecret;

    public ProviderWebhooks(Database database, VaultRepository vault, Encryption encryption, AuditLog audit,
                            ConnectionEvents events, Platforms platforms, Clock clock, String githubSecret,
                            String slackSecret) {
        this.platforms = platforms;
        this.database = database;
        this.vault = vault;
        this.seal = new CredentialSeal(encryption);
        this.audit = audit;
        this.events = events;
        this.clock = clock;
        this.githubSecret = githubSecret == null ? null : githubSecret.getBytes(StandardCharsets.UTF_8);
        this.slackSecret = slackSecret == null ? null : slackSecret.getBytes(StandardCharsets.UTF_8);
    }

    /** What a delivery did, for the answer: applied, a repeat, or nothing to do. */
    public enum Outcome { APPLIED, DUPLICATE, IGNORED }

    // ---- GitHub ------------------------------------------------------------------------------------------------

    /** {@code POST /webhooks/github}: verifies, dedupes and applies one delivery. */
    public Outcome github(String event, String deliveryId, String signature, byte[] body) {
        if (githubSecret == null) {
            throw OAuthException.notFound("GitHub App webhooks are not configured (GATEHOUSE_GITHUB_APP_WEBHOOK_SECRET)");
        }
        if (signature == null || !signature.startsWith("sha256=")
                || !constantTimeEquals(signature.substring(7), hmacHex(githubSecret, body))) {
            throw badSignature("the delivery's X-Hub-Signature-256 is missing or wrong");
        }
        if (deliveryId == null || deliveryId.isBlank() || deliveryId.length() > 200 || event == null) {
            throw OAuthException.invalidRequest("X-GitHub-Event and X-GitHub-Delivery are required");
        }
        JsonNode payload = json(body);
        String action = ProviderAnswers.text(payload, "action");
        return database.inTransaction(handle -> {
            // The delivery ID is not signed: the body (which is) names the delivery too, so a
            // signed body sent again under a new ID is a repeat as well.
            if (!vault.recordDelivery(handle, "github", deliveryId, clock.instant())
                    | !vault.recordDelivery(handle, "github-body", bodyDigest(body), clock.instant())) {
                return Outcome.DUPLICATE;
            }
            return switch (event + "." + action) {
                case "installation.deleted" -> installation(handle, payload, "uninstalled on GitHub");
                case "installation.suspend" -> installation(handle, payload, "suspended");
                case "installation.unsuspend" -> installation(handle, payload, "unsuspended");
                case "installation.new_permissions_accepted" -> installation(handle, payload, "new permissions");
                case "github_app_authorization.revoked" -> authorizationRevoked(handle, payload);
                default -> Outcome.IGNORED;
            };
        });
    }

    /** The installation's connection (matched by account and installation ID, so a late event never hits a reinstall). */
    private Outcome installation(Handle handle, JsonNode payload, String what) {
        String installationId = ProviderAnswers.at(payload, JsonPointer.compile("/installation/id"));
        String accountId = ProviderAnswers.at(payload, JsonPointer.compile("/installation/account/id"));
        if (installationId == null || accountId == null) {
            throw OAuthException.invalidRequest("the installation event names no installation or account");
        }
        Outcome outcome = Outcome.IGNORED;
        Instant now = clock.instant();
        for (Connection connection : vault.liveByAccount(handle, "github", "app", accountId)) {
            if (!installationId.equals(installationOf(handle, connection))) {
                continue;
            }
            outcome = Outcome.APPLIED;
            switch (what) {
                case "uninstalled on GitHub" -> revoke(handle, connection, what, now);
                case "suspended" -> {
                    if (vault.changeStatus(handle, connection.id(), Connection.ACTIVE, Connection.SUSPENDED, "suspended", now)) {
                        changed(handle, connection, "connection.suspended", null);
                    }
                }
                case "unsuspended" -> {
                    if (vault.changeStatus(handle, connection.id(), Connection.SUSPENDED, Connection.ACTIVE, null, now)) {
                        changed(handle, connection, "connection.unsuspended", null);
                    }
                }
                default -> {
                    // New permissions reach the next installation token: mint one at the next lookup.
                    vault.expireCredential(handle, connection.credentialId(), now);
                    changed(handle, connection, "connection.permissions_updated", null);
                }
            }
        }
        return outcome;
    }

    /** A user revoked the GitHub App's authorization: their user-token connections need them again. */
    private Outcome authorizationRevoked(Handle handle, JsonNode payload) {
        String userId = ProviderAnswers.at(payload, JsonPointer.compile("/sender/id"));
        if (userId == null) {
            throw OAuthException.invalidRequest("the authorization event names no user");
        }
        Outcome outcome = Outcome.IGNORED;
        for (Connection connection : vault.liveByAccount(handle, "github", "oauth", userId)) {
            for (Connection marked : vault.markNeedsReauth(handle, connection.credentialId(), "authorization_revoked",
                    clock.instant())) {
                changed(handle, marked, "connection.needs_reauth", "authorization_revoked");
                outcome = Outcome.APPLIED;
            }
        }
        return outcome;
    }

    private String installationOf(Handle handle, Connection connection) {
        return connection.credentialId() == null ? null : vault.findCredential(handle, connection.credentialId())
                .map(stored -> seal.open(stored.material()).extra().get(GitHubAppPlatform.INSTALLATION_ID)).orElse(null);
    }

    // ---- Slack -------------------------------------------------------------------------------------------------

    /** What a Slack delivery asks back: nothing, or the url_verification challenge. */
    public record SlackAnswer(Outcome outcome, String challenge) {
    }

    /** {@code POST /webhooks/slack}: verifies (signature and a five-minute window), dedupes and applies one delivery. */
    public SlackAnswer slack(String timestamp, String signature, byte[] body) {
        if (slackSecret == null) {
            throw OAuthException.notFound("Slack events are not configured (GATEHOUSE_SLACK_SIGNING_SECRET)");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp == null ? "" : timestamp.strip());
        } catch (NumberFormatException e) {
            throw badSignature("the delivery's X-Slack-Request-Timestamp is missing or not a number");
        }
        if (Math.abs(clock.instant().getEpochSecond() - seconds) > SLACK_WINDOW.toSeconds()) {
            throw badSignature("the delivery's timestamp is more than five minutes away: a replay?");
        }
        byte[] base = ("v0:" + seconds + ":").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[base.length + body.length];
        System.arraycopy(base, 0, signed, 0, base.length);
        System.arraycopy(body, 0, signed, base.length, body.length);
        if (signature == null || !signature.startsWith("v0=")
                || !constantTimeEquals(signature.substring(3), hmacHex(slackSecret, signed))) {
            throw badSignature("the delivery's X-Slack-Signature is missing or wrong");
        }
        JsonNode payload = json(body);
        String type = ProviderAnswers.text(payload, "type");
        if ("url_verification".equals(type)) {
            String challenge = ProviderAnswers.text(payload, "challenge");
            if (challenge == null) {
                throw OAuthException.invalidRequest("url_verification carries no challenge");
            }
            return new SlackAnswer(Outcome.APPLIED, challenge);
        }
        String eventId = ProviderAnswers.text(payload, "event_id");
        String eventType = payload.path("event").path("type").asText("");
        if (!"event_callback".equals(type) || eventId == null || eventId.length() > 200) {
            return new SlackAnswer(Outcome.IGNORED, null);
        }
        List<Connection> affected = new ArrayList<>();
        Outcome recorded = database.inTransaction(handle -> {
            if (!vault.recordDelivery(handle, "slack", eventId, clock.instant())) {
                return Outcome.DUPLICATE;
            }
            if (!eventType.equals("app_uninstalled") && !eventType.equals("tokens_revoked")) {
                return Outcome.IGNORED;
            }
            for (String account : slackAccounts(payload)) {
                for (Connection connection : vault.liveByAccount(handle, "slack", "oauth", account)) {
                    if (eventType.equals("app_uninstalled")) {
                        revoke(handle, connection, "uninstalled in Slack", clock.instant());
                    }
                    affected.add(connection);
                }
            }
            return affected.isEmpty() ? Outcome.IGNORED : Outcome.APPLIED;
        });
        if (eventType.equals("tokens_revoked") && recorded == Outcome.APPLIED) {
            return new SlackAnswer(revokeIfTokenDead(affected), null);
        }
        return new SlackAnswer(recorded, null);
    }

    /**
     * {@code tokens_revoked} names Slack user IDs, not tokens: a reconnect that retires the old token
     * sends it too. So each connection's own token is tried ({@code auth.test}, outside any
     * transaction); only a connection whose token Slack now refuses is revoked.
     */
    private Outcome revokeIfTokenDead(List<Connection> connections) {
        Outcome outcome = Outcome.IGNORED;
        for (Connection connection : connections) {
            var stored = database.withHandle(handle -> vault.findCredential(handle, connection.credentialId())).orElse(null);
            if (stored == null) {
                continue;
            }
            try {
                platforms.forCredential(connection.platform(), connection.kind()).check(seal.open(stored.material()));
                continue; // still accepted: the revoked token was another one
            } catch (ProviderException e) {
                if (e.kind() != ProviderException.Kind.PERMANENT) {
                    continue; // cannot tell now; the scheduled check will
                }
            } catch (RuntimeException e) {
                continue; // Slack no longer configured here
            }
            database.inTransaction(handle -> {
                vault.liveByAccount(handle, connection.platform(), connection.kind(), connection.externalId()).stream()
                        .filter(live -> live.id().equals(connection.id()))
                        .forEach(live -> revoke(handle, live, "tokens revoked in Slack", clock.instant()));
                return null;
            });
            outcome = Outcome.APPLIED;
        }
        return outcome;
    }

    /** The workspace, and the Enterprise Grid when the app was installed on it as a whole. */
    private static Set<String> slackAccounts(JsonNode payload) {
        Set<String> accounts = new LinkedHashSet<>();
        String team = ProviderAnswers.text(payload, "team_id");
        if (team != null) {
            accounts.add(team);
        }
        for (JsonNode authorization : payload.path("authorizations")) {
            if (authorization.path("is_enterprise_install").asBoolean(false)) {
                String enterprise = ProviderAnswers.text(authorization, "enterprise_id");
                if (enterprise != null) {
                    accounts.add(enterprise);
                }
            }
        }
        return accounts;
    }

    // ---- shared ------------------------------------------------------------------------------------------------

    /** The provider ended the grant: the connection is revoked and its token material destroyed here too. */
    private void revoke(Handle handle, Connection connection, String why, Instant now) {
        vault.revoke(handle, connection.id(), now);
        if (connection.credentialId() != null && !vault.credentialInUse(handle, connection.credentialId())) {
            vault.deleteCredential(handle, connection.credentialId());
        }
        changed(handle, connection, "connection.revoked", why);
    }

    private void changed(Handle handle, Connection connection, String action, String error) {
        Map<String, Object> details = new LinkedHashMap<>(connection.auditDetails());
        details.put("source", "provider_webhook");
        if (error != null) {
            details.put("reason", error);
        }
        audit.record(handle, PROVIDER, AuditLog.Event.of(action).organization(connection.organizationId()).details(details));
        events.changed(handle, action, vault.findConnection(handle, connection.id()).orElse(connection), error);
    }

    private static String bodyDigest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(byte[] body) {
        JsonNode payload = ProviderAnswers.parse(new String(body, StandardCharsets.UTF_8));
        if (payload == null || !payload.isObject()) {
            throw OAuthException.invalidRequest("the delivery is not a JSON object");
        }
        return payload;
    }

    static String hmacHex(byte[] secret, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean constantTimeEquals(String presented, String expected) {
        return MessageDigest.isEqual(presented.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** 401 without a Bearer challenge: a provider signs, it has no token to present. */
    private static OAuthException badSignature(String description) {
        return OAuthException.of(OAuthError.UNAUTHENTICATED, description);
    }
}
