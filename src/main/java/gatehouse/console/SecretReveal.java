package gatehouse.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import gatehouse.crypto.Encryption;
import gatehouse.web.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The one showing of a new app's secrets, carried across post/redirect/get: the form's answer seals
 * them (Fernet, with the keys that encrypt the vault) into a short-lived cookie scoped to the
 * app's secret page; that page opens it once and clears it. No server state, so it works on any
 * node, and reloading either page never registers or rotates again.
 */
public final class SecretReveal {
    static final String COOKIE = "gatehouse_secret_once";
    static final Duration LIFETIME = Duration.ofMinutes(5);

    /** What is shown once, for whom, and when it was sealed (epoch seconds). */
    record Secrets(String clientId, UUID userId, String secret, String webhookSecret, boolean rotated, long sealedAt) {
    }

    private final Encryption encryption;
    private final Clock clock;

    public SecretReveal(Encryption encryption, Clock clock) {
        this.encryption = encryption;
        this.clock = clock;
    }

    String seal(String clientId, UUID userId, String secret, String webhookSecret, boolean rotated) {
        var secrets = new Secrets(clientId, userId, secret, webhookSecret, rotated, clock.instant().getEpochSecond());
        return encryption.encrypt(Json.write(secrets));
    }

    /** The sealed secrets if {@code sealed} opens, is this person's, of this app, and young enough. */
    Optional<Secrets> open(String sealed, UUID userId, String clientId) {
        if (sealed == null || sealed.length() > 4096) {
            return Optional.empty();
        }
        try {
            Secrets secrets = Json.MAPPER.readValue(new String(encryption.decrypt(sealed), StandardCharsets.UTF_8),
                    Secrets.class);
            boolean fresh = clock.instant().getEpochSecond() - secrets.sealedAt() <= LIFETIME.toSeconds();
            return fresh && userId.equals(secrets.userId()) && clientId.equals(secrets.clientId())
                    ? Optional.of(secrets) : Optional.empty();
        } catch (IllegalStateException | JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
