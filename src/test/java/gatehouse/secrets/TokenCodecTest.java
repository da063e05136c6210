package gatehouse.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The secret-string format of docs/http.md, "Conventions", checked against an independent CRC32 + base62 computation. */
class TokenCodecTest {
    /** The base62 alphabet of docs/http.md, "Conventions", written out here rather than taken from the codec. */
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Map<TokenKind, String> FO_PREFIXES = Map.ofEntries(
            Map.entry(TokenKind.ACCESS_TOKEN, "foot_"),
            Map.entry(TokenKind.REFRESH_TOKEN, "foor_"),
            Map.entry(TokenKind.AUTHORIZATION_CODE, "fooc_"),
            Map.entry(TokenKind.CLIENT_SECRET, "fosec_"),
            Map.entry(TokenKind.SESSION, "foses_"),
            Map.entry(TokenKind.EMAIL_VERIFICATION, "foev_"),
            Map.entry(TokenKind.PASSWORD_RESET, "fopr_"),
            Map.entry(TokenKind.PUSHED_REQUEST, "fopar_"),
            Map.entry(TokenKind.DEVICE_CODE, "fodc_"),
            Map.entry(TokenKind.INITIAL_ACCESS_TOKEN, "foiat_"),
            Map.entry(TokenKind.REGISTRATION_ACCESS_TOKEN, "forat_"));

    private final TokenCodec codec = new TokenCodec("fo", new SecureRandom());

    // --- format ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(TokenKind.class)
    void generateWhenDefaultPrefixThenPrefixKind43Base62AndChecksum(TokenKind kind) {
        String prefix = FO_PREFIXES.get(kind);
        String token = codec.generate(kind);

        assertThat(token).startsWith(prefix).hasSize(prefix.length() + 43 + 6);
        String random = token.substring(prefix.length(), prefix.length() + 43);
        String checksum = token.substring(prefix.length() + 43);
        assertThat(random).matches("[0-9A-Za-z]{43}");
        assertThat(checksum).matches("[0-9A-Za-z]{6}").isEqualTo(expectedChecksum(prefix + random));
        assertThat(codec.isWellFormed(kind, token)).isTrue();
        assertThat(codec.kindOf(token)).isEqualTo(kind);
    }

    @Test
    void generateWhenRandomIsScriptedThenExactStringWithZeroPaddedChecksum() {
        // Random part 0,1,2,…,42 → "0123…g"; its CRC32 (248106816) has only 5 base62 digits.
        var scripted = new TokenCodec("fo", new ScriptedRandom(0));

        String token = scripted.generate(TokenKind.ACCESS_TOKEN);

        assertThat(token).isEqualTo("foot_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg0Gn1uq");
    }

    @Test
    void checksumWhenKnownBodiesThenMatchesPrecomputedCrc32InBase62() {
        // Values computed outside Java (Python zlib.crc32) so the test does not share code with the codec.
        assertThat(expectedChecksum("foot_" + "0".repeat(43))).isEqualTo("41ovB5");
        assertThat(TokenCodec.checksum("foot_" + "0".repeat(43))).isEqualTo("41ovB5");
        assertThat(TokenCodec.checksum("ghsec_" + "z".repeat(43))).isEqualTo("38YJSE");
        assertThat(TokenCodec.checksum("foot_" + BASE62.substring(0, 43))).isEqualTo("0Gn1uq");
    }

    @Test
    void checksumWhenManyRandomTokensThenAlwaysEqualsIndependentComputation() {
        for (int i = 0; i < 2_000; i++) {
            String token = codec.generate(TokenKind.REFRESH_TOKEN);
            String body = token.substring(0, token.length() - 6);
            assertThat(token.substring(token.length() - 6)).isEqualTo(expectedChecksum(body));
        }
    }

    @Test
    void generateClientIdWhenDefaultPrefixThenFoapp24Base62() {
        String clientId = codec.generateClientId();

        assertThat(clientId).matches("foapp_[0-9A-Za-z]{24}");
        assertThat(codec.kindOf(clientId)).isNull();
    }

    @Test
    void generateWhenCustomPrefixThenEveryKindUsesIt() {
        var gh = new TokenCodec("gh", new SecureRandom());

        assertThat(gh.generate(TokenKind.ACCESS_TOKEN)).startsWith("ghot_").hasSize(5 + 43 + 6);
        assertThat(gh.generate(TokenKind.REFRESH_TOKEN)).startsWith("ghor_");
        assertThat(gh.generate(TokenKind.AUTHORIZATION_CODE)).startsWith("ghoc_");
        assertThat(gh.generate(TokenKind.CLIENT_SECRET)).startsWith("ghsec_").hasSize(6 + 43 + 6);
        assertThat(gh.generateClientId()).matches("ghapp_[0-9A-Za-z]{24}");
        for (TokenKind kind : TokenKind.values()) {
            String token = gh.generate(kind);
            assertThat(gh.isWellFormed(kind, token)).as(kind.name()).isTrue();
            assertThat(gh.kindOf(token)).isEqualTo(kind);
            String body = token.substring(0, token.length() - 6);
            assertThat(token).endsWith(expectedChecksum(body));
        }
    }

    // --- isWellFormed -----------------------------------------------------------------------------

    @Test
    void isWellFormedWhenAnyRandomCharacterChangedThenFalse() {
        String token = codec.generate(TokenKind.ACCESS_TOKEN);
        int start = "foot_".length();
        for (int i = start; i < start + 43; i++) {
            char original = token.charAt(i);
            for (char replacement : new char[] {'0', 'a', 'Z', 'q'}) {
                if (replacement == original) {
                    continue;
                }
                String tampered = token.substring(0, i) + replacement + token.substring(i + 1);
                assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, tampered))
                        .as("position %d changed to %s", i, replacement).isFalse();
            }
        }
    }

    @Test
    void isWellFormedWhenAnyChecksumCharacterChangedThenFalse() {
        String token = codec.generate(TokenKind.CLIENT_SECRET);
        for (int i = token.length() - 6; i < token.length(); i++) {
            char original = token.charAt(i);
            char replacement = original == 'x' ? 'y' : 'x';
            String tampered = token.substring(0, i) + replacement + token.substring(i + 1);
            assertThat(codec.isWellFormed(TokenKind.CLIENT_SECRET, tampered)).as("position %d", i).isFalse();
        }
    }

    @Test
    void isWellFormedWhenOtherKindThenFalse() {
        String access = codec.generate(TokenKind.ACCESS_TOKEN);

        assertThat(codec.isWellFormed(TokenKind.REFRESH_TOKEN, access)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.AUTHORIZATION_CODE, access)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.CLIENT_SECRET, access)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.SESSION, access)).isFalse();
    }

    @Test
    void isWellFormedWhenOtherPrefixWithValidChecksumThenFalse() {
        String ghToken = new TokenCodec("gh", new SecureRandom()).generate(TokenKind.ACCESS_TOKEN);
        String random = ghToken.substring(5, 5 + 43);
        // Same random part under "fo", checksum recomputed: only this proves the prefix is what failed.
        String foToken = "foot_" + random + expectedChecksum("foot_" + random);

        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, ghToken)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, foToken)).isTrue();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, "FOOT_" + random + expectedChecksum("FOOT_" + random))).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, "ot_" + random + expectedChecksum("ot_" + random))).isFalse();
    }

    @Test
    void isWellFormedWhenLengthWrongEvenWithValidChecksumThenFalse() {
        String token = codec.generate(TokenKind.ACCESS_TOKEN);
        String random = token.substring(5, 5 + 43);
        String shorter = "foot_" + random.substring(1) + expectedChecksum("foot_" + random.substring(1));
        String longer = "foot_" + random + "A" + expectedChecksum("foot_" + random + "A");

        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, shorter)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, longer)).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, token.substring(0, token.length() - 1))).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, token + "0")).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, "")).isFalse();
        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, "foot_")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"-", "_", "+", "/", "=", " ", ".", "é", "\u0000", "０"})
    void isWellFormedWhenNonBase62CharacterWithValidChecksumThenFalse(String bad) {
        String random = BASE62.substring(0, 20) + bad + BASE62.substring(21, 43);
        String token = "foot_" + random + expectedChecksum("foot_" + random);

        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, token)).isFalse();
    }

    @Test
    void isWellFormedWhenChecksumHasNonBase62CharacterThenFalse() {
        String token = codec.generate(TokenKind.ACCESS_TOKEN);

        assertThat(codec.isWellFormed(TokenKind.ACCESS_TOKEN, token.substring(0, token.length() - 1) + "-")).isFalse();
    }

    @Test
    void isWellFormedWhenNullThenFalse() {
        for (TokenKind kind : TokenKind.values()) {
            assertThat(codec.isWellFormed(kind, null)).isFalse();
        }
    }

    @Test
    void isWellFormedWhenClientIdThenFalseForEveryKind() {
        String clientId = codec.generateClientId();
        for (TokenKind kind : TokenKind.values()) {
            assertThat(codec.isWellFormed(kind, clientId)).isFalse();
        }
    }

    // --- randomness -------------------------------------------------------------------------------

    @Test
    void generateWhenManyDrawsThenEveryBase62CharacterAppearsRoughlyUniformly() {
        Map<Character, Integer> counts = new HashMap<>();
        int draws = 3_000;
        for (int i = 0; i < draws; i++) {
            String token = codec.generate(TokenKind.ACCESS_TOKEN);
            for (char c : token.substring(5, 5 + 43).toCharArray()) {
                counts.merge(c, 1, Integer::sum);
            }
        }

        assertThat(counts.keySet()).hasSize(62);
        double expected = draws * 43 / 62.0; // ≈ 2081, standard deviation ≈ 45
        for (char c : BASE62.toCharArray()) {
            assertThat(counts.get(c)).as("count of %s", c)
                    .isBetween((int) (expected * 0.8), (int) (expected * 1.2));
        }
    }

    @Test
    void generateClientIdWhenManyDrawsThenEveryBase62CharacterAppears() {
        Set<Character> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            for (char c : codec.generateClientId().substring(6).toCharArray()) {
                seen.add(c);
            }
        }

        assertThat(seen).hasSize(62);
    }

    @Test
    void generateWhen10kDrawsThenNoRepeats() {
        Set<String> tokens = new HashSet<>();
        Set<String> randomParts = new HashSet<>();
        Set<String> clientIds = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String token = codec.generate(TokenKind.ACCESS_TOKEN);
            tokens.add(token);
            randomParts.add(token.substring(5, 5 + 43));
            clientIds.add(codec.generateClientId());
        }

        assertThat(tokens).hasSize(10_000);
        assertThat(randomParts).hasSize(10_000);
        assertThat(clientIds).hasSize(10_000);
    }

    // --- kindOf and hash --------------------------------------------------------------------------

    @Test
    void kindOfWhenPrefixKnownThenKindElseNull() {
        assertThat(codec.kindOf("foot_anything")).isEqualTo(TokenKind.ACCESS_TOKEN);
        assertThat(codec.kindOf("foor_x")).isEqualTo(TokenKind.REFRESH_TOKEN);
        assertThat(codec.kindOf("fooc_x")).isEqualTo(TokenKind.AUTHORIZATION_CODE);
        assertThat(codec.kindOf("fosec_x")).isEqualTo(TokenKind.CLIENT_SECRET);
        assertThat(codec.kindOf("foses_x")).isEqualTo(TokenKind.SESSION);
        assertThat(codec.kindOf("ghot_x")).isNull();
        assertThat(codec.kindOf("foot")).isNull();
        assertThat(codec.kindOf("FOOT_x")).isNull();
        assertThat(codec.kindOf("foapp_x")).isNull();
        assertThat(codec.kindOf("")).isNull();
        assertThat(codec.kindOf(null)).isNull();
    }

    @Test
    void hashWhenKnownInputThenSha256OfUtf8Bytes() throws Exception {
        assertThat(HexFormat.of().formatHex(TokenCodec.hash("abc")))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String token = codec.generate(TokenKind.ACCESS_TOKEN);
        assertThat(TokenCodec.hash(token))
                .hasSize(32)
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        assertThat(TokenCodec.hash("é")).isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[] {(byte) 0xC3, (byte) 0xA9}));
    }

    // --- helpers ----------------------------------------------------------------------------------

    /** CRC32 (IEEE) of the UTF-8 bytes, unsigned, base62 most significant first, left-padded to 6. */
    private static String expectedChecksum(String body) {
        var crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        long value = crc.getValue();
        StringBuilder digits = new StringBuilder();
        while (value > 0) {
            digits.insert(0, BASE62.charAt((int) (value % 62)));
            value /= 62;
        }
        while (digits.length() < 6) {
            digits.insert(0, '0');
        }
        return digits.toString();
    }

    /** Returns the bytes 0, 1, 2, … (mod 62), so generated strings are predictable. */
    private static final class ScriptedRandom extends SecureRandom {
        private int next;

        ScriptedRandom(int start) {
            this.next = start;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (next++ % 62);
            }
        }
    }
}
