package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code ?limit=} (1..200, default 50) and {@code ?cursor=} (docs/http.md conventions). */
class PageRequestTest {

    @Test
    void parseWhenNothingGivenThenLimit50FromTheStart() {
        PageRequest page = PageRequest.parse(null, null);

        assertThat(page.limit()).isEqualTo(50);
        assertThat(page.after()).isEqualTo(new UUID(0, 0));
        assertThat(page.fetchSize()).isEqualTo(51);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(ints = {1, 2, 50, 199, 200})
    void parseWhenLimitInRangeThenUsed(int limit) {
        PageRequest page = PageRequest.parse(String.valueOf(limit), null);

        assertThat(page.limit()).isEqualTo(limit);
        assertThat(page.fetchSize()).isEqualTo(limit + 1);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"0", "-1", "201", "1000", "2147483648", "99999999999999999999", "abc", "1.5", "1e2", "", " 5", "0x10"})
    void parseWhenLimitOutOfRangeOrNotANumberThenValidationFailed(String limit) {
        assertValidationFailed(() -> PageRequest.parse(limit, null));
    }

    @Test
    void parseWhenCursorIsAnIdThenPageStartsAfterIt() {
        UUID id = Ids.newId();

        PageRequest page = PageRequest.parse("10", id.toString());

        assertThat(page.after()).isEqualTo(id);
        assertThat(page.limit()).isEqualTo(10);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"nope", "", "1-1-1-1-1", "0190a6b4-6c8e-7d2a-9b3c-1234567890a", "0190a6b46c8e7d2a9b3c1234567890ab",
            "0190a6b4-6c8e-7d2a-9b3c-1234567890ag", "0190a6b4-6c8e-7d2a-9b3c-1234567890abc"})
    void parseWhenCursorMalformedThenValidationFailed(String cursor) {
        assertValidationFailed(() -> PageRequest.parse(null, cursor));
    }

    private static void assertValidationFailed(ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.VALIDATION_FAILED));
    }
}
