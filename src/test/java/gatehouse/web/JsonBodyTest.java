package gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict JSON binding (docs/http.md, "Conventions"): wrong types are validation_failed, never coerced. */
class JsonBodyTest {

    // --- strings ----------------------------------------------------------------------------------

    @Test
    void stringWhenTextThenValue() {
        JsonBody body = json("{\"name\": \"Acme\", \"unicode\": \"Jos\\u00e9 🔑\"}");

        assertThat(body.string("name")).isEqualTo("Acme");
        assertThat(body.string("unicode")).isEqualTo("José 🔑");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"5", "5.5", "true", "false", "[\"a\"]", "{\"a\": 1}"})
    void stringWhenOtherTypeThenValidationFailed(String value) {
        JsonBody body = json("{\"name\": " + value + "}");

        assertValidationFailed(() -> body.string("name"), "name");
    }

    @Test
    void stringWhenLongerThanDefaultLimitThenValidationFailed() {
        assertThat(json("{\"name\": \"" + "a".repeat(1000) + "\"}").string("name")).hasSize(1000);
        assertValidationFailed(() -> json("{\"name\": \"" + "a".repeat(1001) + "\"}").string("name"), "name");
    }

    @Test
    void stringWhenLongerThanGivenLimitThenValidationFailed() {
        JsonBody body = json("{\"name\": \"abcdef\"}");

        assertThat(body.string("name", 6)).isEqualTo("abcdef");
        assertValidationFailed(() -> body.string("name", 5), "name");
    }

    @Test
    void stringWhenContainsNulThenValidationFailed() {
        JsonBody body = json("{\"name\": \"a\\u0000b\"}");

        assertValidationFailed(() -> body.string("name"), "name");
    }

    @Test
    void requiredStringWhenAbsentNullOrBlankThenValidationFailed() {
        assertValidationFailed(() -> json("{}").requiredString("name", 10), "name");
        assertValidationFailed(() -> json("{\"name\": null}").requiredString("name", 10), "name");
        assertValidationFailed(() -> json("{\"name\": \"   \"}").requiredString("name", 10), "name");
        assertThat(json("{\"name\": \"x\"}").requiredString("name", 10)).isEqualTo("x");
    }

    // --- nulls and absence ------------------------------------------------------------------------

    @Test
    void memberWhenNullThenReadAsAbsentButHasIsTrue() {
        JsonBody body = json("{\"name\": null, \"flag\": null, \"n\": null, \"list\": null, \"id\": null}");

        assertThat(body.string("name")).isNull();
        assertThat(body.bool("flag")).isNull();
        assertThat(body.integer("n", 0, 10)).isNull();
        assertThat(body.strings("list", 10, 10)).isNull();
        assertThat(body.uuid("id")).isNull();
        assertThat(body.has("name")).isTrue();
    }

    @Test
    void memberWhenAbsentThenNullAndHasIsFalse() {
        JsonBody body = json("{}");

        assertThat(body.string("name")).isNull();
        assertThat(body.bool("flag")).isNull();
        assertThat(body.integer("n", 0, 10)).isNull();
        assertThat(body.strings("list", 10, 10)).isNull();
        assertThat(body.uuid("id")).isNull();
        assertThat(body.has("name")).isFalse();
    }

    @Test
    void emptyWhenReadThenEverythingAbsent() {
        JsonBody body = JsonBody.empty();

        assertThat(body.has("anything")).isFalse();
        assertThat(body.integer("grace_seconds", 0, 10)).isNull();
    }

    // --- booleans ---------------------------------------------------------------------------------

    @Test
    void boolWhenTrueOrFalseThenValue() {
        JsonBody body = json("{\"a\": true, \"b\": false}");

        assertThat(body.bool("a")).isTrue();
        assertThat(body.bool("b")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"\"true\"", "\"false\"", "1", "0", "\"yes\"", "[]"})
    void boolWhenOtherTypeThenValidationFailed(String value) {
        JsonBody body = json("{\"confidential\": " + value + "}");

        assertValidationFailed(() -> body.bool("confidential"), "confidential");
    }

    // --- integers ---------------------------------------------------------------------------------

    @Test
    void integerWhenWholeNumberInRangeThenValue() {
        JsonBody body = json("{\"ttl\": 3600, \"min\": 60, \"max\": 86400, \"neg\": -5}");

        assertThat(body.integer("ttl", 60, 86400)).isEqualTo(3600);
        assertThat(body.integer("min", 60, 86400)).isEqualTo(60);
        assertThat(body.integer("max", 60, 86400)).isEqualTo(86400);
        assertThat(body.integer("neg", -10, 0)).isEqualTo(-5);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"1.5", "3600.0", "1e3", "\"3600\"", "true", "[3600]", "3000000000", "-3000000000",
            "99999999999999999999999"})
    void integerWhenNotAnIntThenValidationFailed(String value) {
        JsonBody body = json("{\"ttl\": " + value + "}");

        assertValidationFailed(() -> body.integer("ttl", Integer.MIN_VALUE, Integer.MAX_VALUE), "ttl");
    }

    @Test
    void integerWhenOutOfRangeThenValidationFailed() {
        assertValidationFailed(() -> json("{\"ttl\": 59}").integer("ttl", 60, 86400), "ttl");
        assertValidationFailed(() -> json("{\"ttl\": 86401}").integer("ttl", 60, 86400), "ttl");
    }

    // --- arrays of strings ------------------------------------------------------------------------

    @Test
    void stringsWhenArrayOfStringsThenValuesInOrder() {
        JsonBody body = json("{\"uris\": [\"https://a.example/cb\", \"https://b.example/cb\"], \"none\": []}");

        assertThat(body.strings("uris", 10, 100)).containsExactly("https://a.example/cb", "https://b.example/cb");
        assertThat(body.strings("none", 10, 100)).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"\"https://a.example/cb\"", "[1]", "[\"a\", 2]", "[\"a\", null]", "[[\"a\"]]", "[{}]", "[true]",
            "{\"0\": \"a\"}", "5"})
    void stringsWhenNotAnArrayOfStringsThenValidationFailed(String value) {
        JsonBody body = json("{\"uris\": " + value + "}");

        assertValidationFailed(() -> body.strings("uris", 10, 100), "uris");
    }

    @Test
    void stringsWhenTooManyItemsThenValidationFailed() {
        JsonBody body = json("{\"uris\": [\"a\", \"b\", \"c\"]}");

        assertThat(body.strings("uris", 3, 10)).hasSize(3);
        assertValidationFailed(() -> body.strings("uris", 2, 10), "uris");
    }

    @Test
    void stringsWhenItemTooLongThenValidationFailed() {
        JsonBody body = json("{\"uris\": [\"ok\", \"abcdef\"]}");

        assertThat(body.strings("uris", 10, 6)).containsExactly("ok", "abcdef");
        assertValidationFailed(() -> body.strings("uris", 10, 5), "uris");
    }

    @Test
    void stringsWhenItemContainsNulThenValidationFailed() {
        // Same rule as string(): PostgreSQL text cannot hold NUL, so it must be refused before storage.
        JsonBody body = json("{\"events\": [\"app.created\", \"a\\u0000b\"]}");

        assertValidationFailed(() -> body.strings("events", 10, 100), "events");
    }

    // --- UUIDs ------------------------------------------------------------------------------------

    @Test
    void uuidWhenValidThenParsed() {
        UUID id = UUID.randomUUID();

        assertThat(json("{\"owner_org_id\": \"" + id + "\"}").uuid("owner_org_id")).isEqualTo(id);
        assertThat(json("{\"owner_org_id\": \"" + id.toString().toUpperCase() + "\"}").uuid("owner_org_id")).isEqualTo(id);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"\"nope\"", "\"1-1-1-1-1\"", "\"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz\"", "\"\"", "42",
            "\"00000000-0000-0000-0000-0000000000000\"", "\"00000000000000000000000000000000\""})
    void uuidWhenMalformedThenValidationFailed(String value) {
        JsonBody body = json("{\"owner_org_id\": " + value + "}");

        assertValidationFailed(() -> body.uuid("owner_org_id"), "owner_org_id");
    }

    @Test
    void parseUuidWhenValidThenUuid() {
        assertThat(JsonBody.parseUuid("id", "0190a6b4-6c8e-7d2a-9b3c-1234567890ab"))
                .isEqualTo(UUID.fromString("0190a6b4-6c8e-7d2a-9b3c-1234567890ab"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "nope", "1-1-1-1-1", "0190a6b4-6c8e-7d2a-9b3c-1234567890a", "0190a6b46c8e7d2a9b3c1234567890ab",
            "0190a6b4-6c8e-7d2a-9b3c-1234567890ag", "0190a6b4_6c8e_7d2a_9b3c_1234567890ab", "{0190a6b4-6c8e-7d2a-9b3c-1234567890ab}"})
    void parseUuidWhenMalformedThenValidationFailedNamingTheField(String value) {
        assertValidationFailed(() -> JsonBody.parseUuid("organization_id", value), "organization_id");
    }

    // --- the document itself ----------------------------------------------------------------------

    @Test
    void parseWhenDuplicateKeysThenInvalidRequest() {
        assertInvalidRequest(() -> json("{\"name\": \"a\", \"name\": \"b\"}"));
        assertInvalidRequest(() -> json("{\"outer\": {\"k\": 1, \"k\": 2}}"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"{} x", "{}{}", "{\"a\": 1} [1]", "{} 1", "{}]"})
    void parseWhenTrailingGarbageThenInvalidRequest(String text) {
        assertInvalidRequest(() -> json(text));
    }

    @Test
    void parseWhenTrailingWhitespaceThenAccepted() {
        assertThat(json("{\"a\": \"b\"}  \n\t ").string("a")).isEqualTo("b");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"[]", "[{\"a\": 1}]", "\"text\"", "42", "true", "null"})
    void parseWhenNotAnObjectThenValidationFailed(String text) {
        assertThatThrownBy(() -> json(text)).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.VALIDATION_FAILED));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "   ", "{", "{\"a\": }", "{'a': 1}", "{a: 1}", "{\"a\": 01}", "{\"a\": NaN}", "{\"a\": 1,}",
            "{\"a\": \"unterminated}", "/* comment */ {}"})
    void parseWhenNotValidJsonThenInvalidRequest(String text) {
        assertInvalidRequest(() -> json(text));
    }

    @Test
    void parseWhenInvalidUtf8ThenInvalidRequest() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertInvalidRequest(() -> JsonBody.parse(body));
    }

    @Test
    void parseWhenNestedVeryDeeplyThenInvalidRequestNotStackOverflow() {
        String deep = "{\"a\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}";

        assertInvalidRequest(() -> json(deep));
    }

    // --- helpers ----------------------------------------------------------------------------------

    private static JsonBody json(String text) {
        return JsonBody.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertValidationFailed(ThrowingCallable call, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class, e -> {
            assertThat(e.error()).isEqualTo(OAuthError.VALIDATION_FAILED);
            assertThat(e.description()).contains(field);
        });
    }

    private static void assertInvalidRequest(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.INVALID_REQUEST));
    }
}
