package gatehouse.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fernet encryption of secrets at rest: the first key encrypts, every key decrypts. */
class EncryptionTest {
    private static final byte[] SECRET = "a signing key's private part".getBytes(StandardCharsets.UTF_8);

    @Test
    void decryptWhenEncryptedWithTheSameKeyThenPlaintext() {
        var encryption = new Encryption(List.of(Encryption.generateKey()));

        String token = encryption.encrypt(SECRET);

        assertThat(token).doesNotContain("signing key");
        assertThat(encryption.decrypt(token)).isEqualTo(SECRET);
    }

    @Test
    void encryptWhenCalledTwiceThenDifferentTokens() {
        var encryption = new Encryption(List.of(Encryption.generateKey()));

        assertThat(encryption.encrypt(SECRET)).isNotEqualTo(encryption.encrypt(SECRET));
    }

    @Test
    void decryptWhenOldKeyMovedSecondThenTokensMadeUnderItStillOpen() {
        String oldKey = Encryption.generateKey();
        String newKey = Encryption.generateKey();
        String underOld = new Encryption(List.of(oldKey)).encrypt(SECRET);

        var rotated = new Encryption(List.of(newKey, oldKey));
        String underNew = rotated.encrypt(SECRET);

        assertThat(rotated.decrypt(underOld)).isEqualTo(SECRET);
        assertThat(rotated.decrypt(underNew)).isEqualTo(SECRET);
        // The first key encrypts: the old key alone cannot open what the rotated set made.
        assertThatThrownBy(() -> new Encryption(List.of(oldKey)).decrypt(underNew))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void decryptWhenNoKeyOpensTheTokenThenIllegalStateWithoutTheKeys() {
        String key = Encryption.generateKey();
        String otherKey = Encryption.generateKey();
        String token = new Encryption(List.of(otherKey)).encrypt(SECRET);

        assertThatThrownBy(() -> new Encryption(List.of(key)).decrypt(token))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS")
                .hasMessageNotContaining(key)
                .hasMessageNotContaining(otherKey);
    }

    @Test
    void decryptWhenTokenIsGarbageOrTamperedThenIllegalState() {
        var encryption = new Encryption(List.of(Encryption.generateKey()));
        String token = encryption.encrypt(SECRET);
        char last = token.charAt(token.length() - 5);
        String tampered = token.substring(0, token.length() - 5) + (last == 'A' ? 'B' : 'A') + token.substring(token.length() - 4);

        assertThatThrownBy(() -> encryption.decrypt("not a fernet token")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> encryption.decrypt(tampered)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isValidKeyWhenNot32BytesOfUrlSafeBase64ThenFalse() {
        assertThat(Encryption.isValidKey(Encryption.generateKey())).isTrue();
        assertThat(Encryption.isValidKey("c2hvcnQ=")).isFalse();
        assertThat(Encryption.isValidKey("not base64 at all!")).isFalse();
        assertThatThrownBy(() -> new Encryption(List.of("c2hvcnQ="))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Encryption(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withDevelopmentKeyWhenStartedTwiceThenSameKeyKeptPrivateOnDisk(@TempDir Path dataDir) throws Exception {
        Path dir = dataDir.resolve("not-yet-created");
        String token = Encryption.withDevelopmentKey(dir).encrypt(SECRET);

        Path keyFile = dir.resolve("encryption.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(Encryption.isValidKey(Files.readString(keyFile).trim())).isTrue();
        assertThat(Encryption.withDevelopmentKey(dir).decrypt(token)).isEqualTo(SECRET);
    }
}
