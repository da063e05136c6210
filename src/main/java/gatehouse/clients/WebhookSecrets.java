package gatehouse.clients;

import gatehouse.crypto.Encryption;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Apps' webhook signing secrets: {@code whsec_} + base64 of 32 random bytes (the Standard Webhooks
 * key format), shown once, stored encrypted (they are needed again to sign each delivery).
 */
public final class WebhookSecrets {
    public static final String PREFIX = "whsec_";

    private final Encryption encryption;
    private final SecureRandom random;
    private final Clock clock;

    public WebhookSecrets(Encryption encryption, SecureRandom random, Clock clock) {
        this.encryption = encryption;
        this.random = random;
        this.clock = clock;
    }

    /** Makes (or replaces) the app's secret in the caller's transaction; returns it, to be shown once. */
    public String issue(Handle handle, String clientId) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        String secret = PREFIX + Base64.getEncoder().encodeToString(key);
        handle.createUpdate("""
                        INSERT INTO webhook_secrets (client_id, secret, created_at) VALUES (:clientId, :secret, :now)
                        ON CONFLICT (client_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at""")
                .bind("clientId", clientId)
                .bind("secret", encryption.encrypt(secret.getBytes(StandardCharsets.UTF_8)))
                .bind("now", clock.instant())
                .execute();
        return secret;
    }

    /** The HMAC key of the app's secret (the decoded bytes after {@code whsec_}), if it has one. */
    public Optional<byte[]> signingKey(Handle handle, String clientId) {
        return handle.createQuery("SELECT secret FROM webhook_secrets WHERE client_id = :clientId")
                .bind("clientId", clientId)
                .mapTo(String.class)
                .findOne()
                .map(sealed -> new String(encryption.decrypt(sealed), StandardCharsets.UTF_8))
                .map(secret -> Base64.getDecoder().decode(secret.substring(PREFIX.length())));
    }
}
