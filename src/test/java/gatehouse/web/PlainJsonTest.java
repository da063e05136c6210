package gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PlainJsonTest {

    /** What Jackson writes, as bytes: Json.write's output is bytes, and Jackson escapes differently when writing bytes. */
    private static String jackson(Object value) throws Exception {
        return new String(Json.MAPPER.writeValueAsBytes(value), StandardCharsets.UTF_8);
    }

    private static String plain(Map<?, ?> map) {
        byte[] written = PlainJson.write(map);
        return written == null ? null : new String(written, StandardCharsets.UTF_8);
    }

    @Test
    void writesWhatJacksonWritesForTheValuesItKnows() throws Exception {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("active", true);
        map.put("exp", 1_790_000_000L);
        map.put("count", 42);
        map.put("nothing", null);
        map.put("organization_id", UUID.fromString("01234567-89ab-cdef-0123-456789abcdef"));
        map.put("at", Instant.parse("2026-12-04T12:00:00.123456Z"));
        map.put("scopes", List.of("read", "write"));
        map.put("nested", Map.of("inner", "value"));
        map.put("mixed", Arrays.asList("a", null, 1, false));
        map.put("empty", List.of());
        map.put("escapes", "quote \" backslash \\ slash / newline \n return \r tab \t bell \u0007 form \f back \b nul \u0000 del \u007f");
        map.put("unicode", "Zoë 東京 \u2028 ÿ");

        assertThat(plain(map)).isEqualTo(jackson(map));
    }

    @Test
    void everyControlCharacterIsEscapedAsJacksonDoes() throws Exception {
        var text = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            text.append(c);
        }
        Map<String, Object> map = Map.of("controls", text.toString());

        assertThat(plain(map)).isEqualTo(jackson(map));
    }

    @Test
    void leavesToJacksonAStringWithASurrogateWhichJacksonEscapes() throws Exception {
        Map<String, Object> emoji = Map.of("name", "smile \uD83D\uDE42");
        Map<String, Object> lone = Map.of("name", "a\uD800b");

        assertThat(PlainJson.write(emoji)).isNull();
        assertThat(PlainJson.write(lone)).isNull();
        assertThat(new String(Json.write(emoji), StandardCharsets.UTF_8)).isEqualTo(jackson(emoji));
        assertThat(new String(Json.write(lone), StandardCharsets.UTF_8)).isEqualTo(jackson(lone));
    }

    @Test
    void leavesToJacksonAMapHoldingAnythingElse() {
        assertThat(PlainJson.write(Map.of("ratio", 0.5))).isNull();
        assertThat(PlainJson.write(Map.of("record", new Object()))).isNull();
        assertThat(PlainJson.write(Map.of(1, "not a string key"))).isNull();
    }

    @Test
    void jsonWriteTakesThePlainPathAndFallsBackForTheRest() throws Exception {
        assertThat(new String(Json.write(Map.of("ratio", 0.5)), StandardCharsets.UTF_8)).isEqualTo(jackson(Map.of("ratio", 0.5)));
        assertThat(new String(Json.write(Map.of("a", "b")), StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"b\"}");
    }
}
