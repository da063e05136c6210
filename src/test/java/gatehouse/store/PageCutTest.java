package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PageCutTest {
    private static final UUID A = UUID.fromString("01a24000-0000-7000-8000-000000000001");
    private static final UUID B = UUID.fromString("01a24000-0000-7000-8000-000000000002");
    private static final UUID HIGH = UUID.fromString("f0000000-0000-4000-8000-000000000000");

    @Test
    void listReadWholeIsCutInTheDatabasesIdOrderAfterTheCursor() {
        List<UUID> all = List.of(HIGH, B, A);

        Page<UUID> first = Page.cut(all, Function.identity(), PageRequest.parse("2", null));
        Page<UUID> second = Page.cut(all, Function.identity(), PageRequest.parse("2", first.nextCursor()));

        assertThat(first.data()).containsExactly(A, B);
        assertThat(first.nextCursor()).isEqualTo(B.toString());
        assertThat(second.data()).containsExactly(HIGH);
        assertThat(second.nextCursor()).isNull();
    }
}
