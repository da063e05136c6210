package gatehouse.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Makes and checks Gatehouse's secret strings (docs/http.md, "Conventions"): {@code <prefix><kind>_} + 43 base62
 * characters of CSPRNG output (256 bits) + a 6-character base62 CRC32 of everything before it.
 * The checksum lets us refuse a mistyped or forged string without touching the database.
 */
public final class TokenCodec {
    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final int RANDOM_LENGTH = 43;
    static final int CHECKSUM_LENGTH = 6;
    private static final int CLIENT_ID_LENGTH = 24;
    /** Looked up once; {@link #hash} clones it (see {@link #sha256()}). */
    private static final MessageDigest SHA_256 = lookUpSha256();

    private final String prefix;
    private final SecureRandom random;
    private final Map<TokenKind, String> prefixes = new EnumMap<>(TokenKind.class);

    public TokenCodec(String prefix, SecureRandom random) {
        this.prefix = prefix;
        this.random = random;
        for (TokenKind kind : TokenKind.values()) {
            prefixes.put(kind, prefix + kind.suffix() + "_");
        }
    }

    /** A fresh secret string of {@code kind}, to be shown once and stored only as {@link #hash}. */
    public String generate(TokenKind kind) {
        String body = prefixes.get(kind) + randomBase62(RANDOM_LENGTH);
        return body + checksum(body);
    }

    /** A fresh public client identifier: {@code <prefix>app_} + 24 base62 characters. */
    public String generateClientId() {
        return prefix + "app_" + randomBase62(CLIENT_ID_LENGTH);
    }

    /**
     * True when {@code value} has the shape of a {@code kind} string and its checksum matches. Runs in
     * time independent of where a mismatch is, though nothing secret depends on that here.
     */
    public boolean isWellFormed(TokenKind kind, String value) {
        String expectedPrefix = prefixes.get(kind);
        int length = expectedPrefix.length() + RANDOM_LENGTH + CHECKSUM_LENGTH;
        if (value == null || value.length() != length || !value.startsWith(expectedPrefix)) {
            return false;
        }
        for (int i = expectedPrefix.length(); i < length; i++) {
            if (ALPHABET.indexOf(value.charAt(i)) < 0) {
                return false;
            }
        }
        String body = value.substring(0, length - CHECKSUM_LENGTH);
        return checksum(body).equals(value.substring(length - CHECKSUM_LENGTH));
    }

    /** Which kind {@code value} claims to be by its prefix, or null. The checksum is not checked. */
    public TokenKind kindOf(String value) {
        if (value == null) {
            return null;
        }
        for (var entry : prefixes.entrySet()) {
            if (value.startsWith(entry.getValue())) {
                return entry.getKey();
            }
        }
        return null;
    }

    /** SHA-256 of the UTF-8 bytes: how every secret string is stored and looked up. */
    public static byte[] hash(String value) {
        return sha256().digest(value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A fresh SHA-256 digest, cloned from one looked up once: {@code MessageDigest.getInstance}
     * searches the providers on every call, a tenth of an introspection's CPU.
     */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the SHA-256 digest cannot be cloned", e);
        }
    }

    private static MessageDigest lookUpSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** Random base62 text of {@code length} characters, for secrets that are not Gatehouse tokens. */
    public String randomBase62(int length) {
        char[] out = new char[length];
        byte[] bytes = new byte[length * 2];
        int filled = 0;
        while (filled < length) {
            random.nextBytes(bytes);
            for (int i = 0; i < bytes.length && filled < length; i++) {
                int b = bytes[i] & 0xff;
                // Rejection sampling keeps the draw uniform: 248 = 4 × 62, so b % 62 is unbiased below it.
                if (b < 248) {
                    out[filled++] = ALPHABET.charAt(b % 62);
                }
            }
        }
        return new String(out);
    }

    static String checksum(String body) {
        var crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        long value = crc.getValue();
        char[] digits = new char[CHECKSUM_LENGTH];
        for (int i = CHECKSUM_LENGTH - 1; i >= 0; i--) {
            digits[i] = ALPHABET.charAt((int) (value % 62));
            value /= 62;
        }
        return new String(digits);
    }
}
