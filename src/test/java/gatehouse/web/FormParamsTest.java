package gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict application/x-www-form-urlencoded and query parsing (RFC 6749 §3.1, docs/http.md, "Conventions"). */
class FormParamsTest {

    // --- parsing ----------------------------------------------------------------------------------

    @Test
    void parseWhenSimplePairsThenEachReadable() {
        FormParams params = FormParams.parse("grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb");

        assertThat(params.get("grant_type")).isEqualTo("authorization_code");
        assertThat(params.get("code")).isEqualTo("abc");
        assertThat(params.get("redirect_uri")).isEqualTo("https://app.example.com/cb");
        assertThat(params.has("code")).isTrue();
        assertThat(params.has("scope")).isFalse();
        assertThat(params.get("scope")).isNull();
        assertThat(params.all("scope")).isEmpty();
        assertThat(params.asMap()).containsExactly(
                entry("grant_type", "authorization_code"), entry("code", "abc"), entry("redirect_uri", "https://app.example.com/cb"));
        assertThat(params.repeated()).isEmpty();
    }

    @Test
    void parseWhenPlusThenSpaceAndEncodedPlusThenPlus() {
        FormParams params = FormParams.parse("scope=read+write&secret=a%2Bb&both=%20+");

        assertThat(params.get("scope")).isEqualTo("read write");
        assertThat(params.get("secret")).isEqualTo("a+b");
        assertThat(params.get("both")).isEqualTo("  ");
    }

    @Test
    void parseWhenPercentEncodedThenDecodedInNamesAndValues() {
        FormParams params = FormParams.parse("redirect%5Furi=%2Fcb%3Fx%3D1%26y%3D2&pct=100%25&lower=%2f%3a");

        assertThat(params.get("redirect_uri")).isEqualTo("/cb?x=1&y=2");
        assertThat(params.get("pct")).isEqualTo("100%");
        assertThat(params.get("lower")).isEqualTo("/:");
    }

    @Test
    void parseWhenPercentEncodedUtf8ThenDecoded() {
        FormParams params = FormParams.parse("name=Jos%C3%A9&currency=%E2%82%AC&emoji=%F0%9F%94%91");

        assertThat(params.get("name")).isEqualTo("José");
        assertThat(params.get("currency")).isEqualTo("€");
        assertThat(params.get("emoji")).isEqualTo("🔑");
    }

    @Test
    void parseWhenBytesThenSameAsText() {
        FormParams params = FormParams.parse("a=1&b=Jos%C3%A9".getBytes(StandardCharsets.US_ASCII));

        assertThat(params.get("a")).isEqualTo("1");
        assertThat(params.get("b")).isEqualTo("José");
    }

    @Test
    void parseWhenValueContainsEqualsThenSplitAtFirstEquals() {
        assertThat(FormParams.parse("state=a=b=c").get("state")).isEqualTo("a=b=c");
    }

    @Test
    void parseWhenNullOrEmptyThenNoParameters() {
        assertThat(FormParams.parse((String) null).asMap()).isEmpty();
        assertThat(FormParams.parse("").asMap()).isEmpty();
        assertThat(FormParams.parse(new byte[0]).asMap()).isEmpty();
        assertThat(FormParams.parse("&&").asMap()).isEmpty();
    }

    // --- empty values -----------------------------------------------------------------------------

    @Test
    void parseWhenValueEmptyThenAbsent() {
        FormParams params = FormParams.parse("scope=&state&code=x");

        assertThat(params.get("scope")).isNull();
        assertThat(params.has("scope")).isFalse();
        assertThat(params.has("state")).isFalse();
        assertThat(params.all("scope")).isEmpty();
        assertThat(params.asMap()).containsOnlyKeys("code");
    }

    @Test
    void parseWhenEmptyDuplicateThenNotRepeated() {
        FormParams params = FormParams.parse("code=x&code=&code");

        assertThat(params.repeated()).isEmpty();
        assertThat(params.all("code")).containsExactly("x");
        params.rejectRepeated();
    }

    // --- repeated parameters ----------------------------------------------------------------------

    @Test
    void parseWhenNameRepeatedThenDetectedAndAllValuesKept() {
        FormParams params = FormParams.parse("scope=read&code=x&scope=write&scope=admin");

        assertThat(params.repeated()).containsExactly("scope");
        assertThat(params.get("scope")).isEqualTo("read");
        assertThat(params.all("scope")).containsExactly("read", "write", "admin");
        assertThat(params.asMap()).containsEntry("scope", "read");
    }

    @Test
    void rejectRepeatedWhenAnyParameterRepeatedThenInvalidRequest() {
        FormParams params = FormParams.parse("code=x&code=y");

        assertInvalidRequest(params::rejectRepeated);
        assertInvalidRequest(() -> params.rejectRepeated(List.of("code")));
    }

    @Test
    void rejectRepeatedWhenRepeatedNameNotListedThenAccepted() {
        FormParams params = FormParams.parse("resource=a&resource=b&code=x");

        assertThat(params.rejectRepeated(List.of("code", "grant_type"))).isSameAs(params);
        assertInvalidRequest(params::rejectRepeated);
    }

    @Test
    void rejectRepeatedWhenNothingRepeatedThenReturnsSelf() {
        FormParams params = FormParams.parse("a=1&b=2");

        assertThat(params.rejectRepeated()).isSameAs(params);
    }

    @Test
    void rejectRepeatedWhenNameEncodedDifferentlyThenStillRepeated() {
        // "code" and "c%6Fde" are the same parameter once decoded.
        assertInvalidRequest(() -> FormParams.parse("code=x&c%6Fde=y").rejectRepeated());
    }

    // --- malformed input --------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"a=%", "a=%2", "a=1%", "a=%G1", "a=%1G", "a=%%", "a=%-1", "a=% 1", "%=1", "a%=1", "a=%+1"})
    void parseWhenBrokenPercentEncodingThenInvalidRequest(String text) {
        assertInvalidRequest(() -> FormParams.parse(text));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "a=%C3%28",       // second byte is not a continuation byte
            "a=%C3",          // truncated sequence
            "a=%FF",          // never valid in UTF-8
            "a=%C0%AF",       // overlong "/"
            "a=%ED%A0%80",    // UTF-16 surrogate encoded in UTF-8
            "a=%F4%90%80%80", // above U+10FFFF
            "%C3%28=x"})
    void parseWhenInvalidUtf8ThenInvalidRequest(String text) {
        assertInvalidRequest(() -> FormParams.parse(text));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"name=José", "nämé=x", "a=€", "a=\u0080"})
    void parseWhenRawNonAsciiThenInvalidRequest(String text) {
        assertInvalidRequest(() -> FormParams.parse(text));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "a=%\uFF14\uFF11", // fullwidth digits "４１" after %: not hex digits in a URL
            "a=%\u0664\u0661", // Arabic-Indic digits "٤١"
            "a=%\uFF14\uFF26"}) // fullwidth "４Ｆ" (would decode to "O")
    void parseWhenNonAsciiDigitsAfterPercentThenInvalidRequest(String text) {
        assertInvalidRequest(() -> FormParams.parse(text));
    }

    @Test
    void parseWhenRawUtf8BytesThenInvalidRequest() {
        assertInvalidRequest(() -> FormParams.parse("name=José".getBytes(StandardCharsets.UTF_8)));
    }

    // --- limits -----------------------------------------------------------------------------------

    @Test
    void parseWhen100ParametersThenAccepted() {
        FormParams params = FormParams.parse(manyParameters(100));

        assertThat(params.asMap()).hasSize(100);
    }

    @Test
    void parseWhenMoreThan100ParametersThenInvalidRequest() {
        assertInvalidRequest(() -> FormParams.parse(manyParameters(101)));
        assertInvalidRequest(() -> FormParams.parse(manyParameters(10_000)));
    }

    @Test
    void parseWhenValueIs8192CharactersThenAccepted() {
        assertThat(FormParams.parse("state=" + "a".repeat(8192)).get("state")).hasSize(8192);
    }

    @Test
    void parseWhenValueOver8192CharactersThenInvalidRequest() {
        assertInvalidRequest(() -> FormParams.parse("state=" + "a".repeat(8193)));
        assertInvalidRequest(() -> FormParams.parse("state=" + "%41".repeat(8193)));
    }

    // --- safeName ---------------------------------------------------------------------------------

    @Test
    void safeNameWhenOddCharactersOrLongThenMaskedAndClipped() {
        assertThat(FormParams.safeName("redirect_uri")).isEqualTo("redirect_uri");
        assertThat(FormParams.safeName("<script>")).isEqualTo("?script?");
        assertThat(FormParams.safeName("x".repeat(100))).hasSize(41);
    }

    @Test
    void rejectRepeatedWhenNameHasMarkupThenDescriptionDoesNotEchoIt() {
        FormParams params = FormParams.parse("%3Cb%3E=1&%3Cb%3E=2");

        assertThatThrownBy(params::rejectRepeated)
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.description()).doesNotContain("<b>"));
    }

    // --- helpers ----------------------------------------------------------------------------------

    private static String manyParameters(int count) {
        return IntStream.range(0, count).mapToObj(i -> "p" + i + "=v").collect(Collectors.joining("&"));
    }

    private static void assertInvalidRequest(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.INVALID_REQUEST));
    }
}
