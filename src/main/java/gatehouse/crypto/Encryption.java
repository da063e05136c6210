package gatehouse.crypto;

import com.macasaet.fernet.Key;
import com.macasaet.fernet.Token;
import com.macasaet.fernet.Validator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.temporal.TemporalAmount;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Symmetric encryption of secrets kept at rest (signing keys, vault tokens, webhook secrets) with
 * Fernet. The first key encrypts and every key decrypts, so keys rotate without downtime: put the
 * new key first, re-encrypt at leisure, then drop the old one.
 */
public final class Encryption {
    private static final Logger log = LoggerFactory.getLogger(Encryption.class);
    private static final String DEVELOPMENT_KEY_FILE = "encryption.key";

    /**
     * Fernet tokens carry a creation time, and the library refuses old tokens (60 s by default) and
     * ones from the future. Values stored at rest must open for as long as they are kept, and nodes'
     * clocks may disagree, so both limits are set out of reach.
     */
    private static final Validator<byte[]> AT_REST = new Validator<>() {
        @Override
        public TemporalAmount getTimeToLive() {
            return Duration.ofDays(365L * 1000);
        }

        @Override
        public TemporalAmount getMaxClockSkew() {
            return Duration.ofDays(365L * 1000);
        }

        @Override
        public Function<byte[], byte[]> getTransformer() {
            return Function.identity();
        }
    };

    private final List<Key> keys;
    private final byte[] firstKey;
    private final SecureRandom random;

    /** {@code keys}: Fernet keys (32 bytes, url-safe base64), the first one encrypting. */
    public Encryption(List<String> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one encryption key is needed");
        }
        this.keys = keys.stream().map(Encryption::key).toList();
        this.firstKey = decoded(keys.getFirst());
        this.random = new SecureRandom();
    }

    /**
     * For development only: the key in {@code <dataDir>/encryption.key}, generated (mode 0600) on
     * the first start and reused after, so data encrypted before a restart still opens.
     */
    public static Encryption withDevelopmentKey(Path dataDir) {
        log.warn("GATEHOUSE_ENCRYPTION_KEYS is not set: using a development key kept in {}; "
                + "set GATEHOUSE_ENCRYPTION_KEYS in production", dataDir.resolve(DEVELOPMENT_KEY_FILE));
        return new Encryption(List.of(developmentKey(dataDir)));
    }

    /** A new random Fernet key, url-safe base64. */
    public static String generateKey() {
        return Key.generateKey(new SecureRandom()).serialise();
    }

    /** Whether {@code value} is a usable Fernet key (32 bytes, url-safe base64). */
    public static boolean isValidKey(String value) {
        try {
            key(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public String encrypt(byte[] plaintext) {
        return Token.generate(random, keys.getFirst(), plaintext).serialise();
    }

    /** The plaintext; IllegalStateException when no key opens {@code token} (or it is no Fernet token). */
    public byte[] decrypt(String token) {
        try {
            return AT_REST.validateAndDecrypt(keys, Token.fromString(token));
        } catch (RuntimeException e) {
            // The library's messages never include the key, but keep ours independent of them.
            throw new IllegalStateException("cannot decrypt a stored value: no key in GATEHOUSE_ENCRYPTION_KEYS opens it"
                    + " (was the key it was encrypted with removed?)");
        }
    }

    /**
     * A 32-byte key for {@code purpose}, derived from the first key (HMAC-SHA256 of the purpose under
     * it): the same on every node, a different one per purpose, and never the key itself — e.g. the
     * key DPoP nonces are made with.
     */
    public byte[] derivedKey(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(firstKey, "HmacSHA256"));
            return mac.doFinal(("gatehouse derived key: " + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static Key key(String value) {
        return new Key(decoded(value));
    }

    private static byte[] decoded(String value) {
        byte[] decoded;
        try {
            decoded = Base64.getUrlDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an encryption key must be url-safe base64");
        }
        if (decoded.length != 32) {
            throw new IllegalArgumentException("an encryption key must be 32 bytes");
        }
        return decoded;
    }

    private static String developmentKey(Path dataDir) {
        Path file = dataDir.resolve(DEVELOPMENT_KEY_FILE);
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the development key " + file, e);
        }
    }

    /**
     * Written to a private temporary file and then linked into place, so two processes starting at
     * once agree on one key and neither ever reads a half-written file.
     */
    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".encryption", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, generateKey() + "\n", StandardCharsets.US_ASCII);
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            // Another process won the race; its key is the one.
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
