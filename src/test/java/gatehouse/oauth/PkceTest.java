package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PKCE, RFC 7636, S256 only. */
class PkceTest {
    // RFC 7636 Appendix B.
    private static final String RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private static final String RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    // --- verify -----------------------------------------------------------------------------------

    @Test
    void verifyWhenRfc7636AppendixBVectorThenTrue() {
        assertThat(s256(RFC_VERIFIER)).isEqualTo(RFC_CHALLENGE); // the test's own S256 agrees with the RFC
        assertThat(Pkce.verify(RFC_CHALLENGE, RFC_VERIFIER)).isTrue();
    }

    @Test
    void verifyWhenVerifierDiffersThenFalse() {
        String other = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

        assertThat(Pkce.verify(RFC_CHALLENGE, other)).isFalse();
        assertThat(Pkce.verify(RFC_CHALLENGE, RFC_VERIFIER + "a")).isFalse();
    }

    @Test
    void verifyWhenChallengeDiffersThenFalse() {
        assertThat(Pkce.verify("F9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", RFC_VERIFIER)).isFalse();
        assertThat(Pkce.verify(RFC_CHALLENGE + "=", RFC_VERIFIER)).isFalse();
    }

    @Test
    void verifyWhenVerifierIsTheChallengeItselfThenFalse() {
        // A "plain" downgrade: sending the challenge as the verifier must not pass.
        assertThat(Pkce.verify(RFC_CHALLENGE, RFC_CHALLENGE)).isFalse();
    }

    @Test
    void verifyWhenVerifierLengthIs43Or128ThenTrue() {
        String shortest = "a".repeat(43);
        String longest = "A-._~".repeat(25) + "xyz";

        assertThat(longest).hasSize(128);
        assertThat(Pkce.verify(s256(shortest), shortest)).isTrue();
        assertThat(Pkce.verify(s256(longest), longest)).isTrue();
    }

    @Test
    void verifyWhenVerifierShorterThan43ThenFalseEvenIfHashMatches() {
        String tooShort = "a".repeat(42);

        assertThat(Pkce.verify(s256(tooShort), tooShort)).isFalse();
    }

    @Test
    void verifyWhenVerifierLongerThan128ThenFalseEvenIfHashMatches() {
        String tooLong = "a".repeat(129);

        assertThat(Pkce.verify(s256(tooLong), tooLong)).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"+", "/", "=", " ", "%", "é", "\u0000", "!", "*"})
    void verifyWhenVerifierHasIllegalCharacterThenFalseEvenIfHashMatches(String bad) {
        String verifier = "a".repeat(30) + bad + "b".repeat(20);

        assertThat(Pkce.verify(s256(verifier), verifier)).isFalse();
    }

    @Test
    void verifyWhenVerifierEmptyThenFalse() {
        assertThat(Pkce.verify(s256(""), "")).isFalse();
    }

    @Test
    void verifyWhenVerifierNullThenFalse() {
        // A missing verifier is not well-formed: false, not a NullPointerException (a 500 at the edge).
        assertThat(Pkce.verify(RFC_CHALLENGE, null)).isFalse();
    }

    // --- challengeOf ------------------------------------------------------------------------------

    @Test
    void challengeOfWhenS256AndValidChallengeThenReturnsIt() {
        assertThat(Pkce.challengeOf(RFC_CHALLENGE, "S256", false)).isEqualTo(RFC_CHALLENGE);
        assertThat(Pkce.challengeOf(RFC_CHALLENGE, "S256", true)).isEqualTo(RFC_CHALLENGE);
    }

    @Test
    void challengeOfWhenPlainThenInvalidRequest() {
        assertInvalidRequest(() -> Pkce.challengeOf(RFC_CHALLENGE, "plain", false));
        assertInvalidRequest(() -> Pkce.challengeOf(RFC_VERIFIER, "plain", true));
    }

    @Test
    void challengeOfWhenMethodMissingThenInvalidRequest() {
        // RFC 7636 §4.3: no method means plain, which Gatehouse refuses.
        assertInvalidRequest(() -> Pkce.challengeOf(RFC_CHALLENGE, null, false));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"s256", "SHA256", "S512", ""})
    void challengeOfWhenUnknownMethodThenInvalidRequest(String method) {
        assertInvalidRequest(() -> Pkce.challengeOf(RFC_CHALLENGE, method, false));
    }

    @Test
    void challengeOfWhenMethodWithoutChallengeThenInvalidRequest() {
        assertInvalidRequest(() -> Pkce.challengeOf(null, "S256", false));
        assertInvalidRequest(() -> Pkce.challengeOf(null, "S256", true));
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {1, 42, 44, 64, 128})
    void challengeOfWhenChallengeLengthIsNot43ThenInvalidRequest(int length) {
        assertInvalidRequest(() -> Pkce.challengeOf("a".repeat(length), "S256", false));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"+", "/", "=", ".", "~", " "})
    void challengeOfWhenChallengeHasNonBase64UrlCharacterThenInvalidRequest(String bad) {
        String challenge = RFC_CHALLENGE.substring(0, 42) + bad;

        assertInvalidRequest(() -> Pkce.challengeOf(challenge, "S256", false));
    }

    @Test
    void challengeOfWhenRequiredButAbsentThenInvalidRequest() {
        assertInvalidRequest(() -> Pkce.challengeOf(null, null, true));
    }

    @Test
    void challengeOfWhenAbsentAndNotRequiredThenNull() {
        assertThat(Pkce.challengeOf(null, null, false)).isNull();
    }

    // --- helpers ----------------------------------------------------------------------------------

    /** BASE64URL(SHA256(ASCII(verifier))) without padding, computed independently of Nimbus. */
    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertInvalidRequest(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class, e -> {
            assertThat(e.error()).isEqualTo(OAuthError.INVALID_REQUEST);
            assertThat(e.description()).isNotBlank();
        });
    }
}
