package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Resource IDs are UUIDv7 (RFC 9562 §5.7). */
class IdsTest {

    @Test
    void newIdWhenCalledThenVersion7AndRfcVariant() {
        for (int i = 0; i < 1_000; i++) {
            UUID id = Ids.newId();
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2); // RFC 9562 variant: bits 10xx
            assertThat(id.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        }
    }

    @Test
    void newIdWhenCalledThenFirst48BitsAreTheCurrentUnixMillis() {
        long before = System.currentTimeMillis();
        UUID id = Ids.newId();
        long after = System.currentTimeMillis();

        assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after);
    }

    @Test
    void newIdWhenGivenMillisThenEncodesThemBigEndian() {
        long millis = 0x0190_A6B4_6C8EL;

        UUID id = Ids.newId(millis);

        assertThat(id.toString()).startsWith("0190a6b4-6c8e-7");
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
    }

    @Test
    void newIdWhenLaterMillisecondThenSortsAfterAsStringAndAsBytes() {
        long start = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add(Ids.newId(start + i));
        }

        // PostgreSQL compares uuid bytes unsigned, which is the order of the lowercase hex text.
        List<UUID> byText = new ArrayList<>(ids);
        byText.sort(Comparator.comparing(UUID::toString));
        assertThat(byText).containsExactlyElementsOf(ids);
        List<UUID> byValue = new ArrayList<>(ids);
        byValue.sort(Comparator.naturalOrder());
        assertThat(byValue).containsExactlyElementsOf(ids);
    }

    @Test
    void newIdWhenCalledOverTimeThenTimeOrdered() throws InterruptedException {
        UUID first = Ids.newId();
        Thread.sleep(3);
        UUID second = Ids.newId();

        assertThat(second.toString()).isGreaterThan(first.toString());
    }

    @Test
    void newIdWhenSameMillisecondThenStillUnique() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.newId(1_767_225_600_000L));
        }

        assertThat(ids).hasSize(10_000);
    }

    @Test
    void newIdWhen10kCallsThenNoRepeats() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.newId());
        }

        assertThat(ids).hasSize(10_000);
    }
}
