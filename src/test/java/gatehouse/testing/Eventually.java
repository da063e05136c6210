package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for something that happens in the background (a reconnect, a webhook), failing after a while. */
public final class Eventually {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private Eventually() {
    }

    public static void until(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition not met within %s", PATIENCE).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
