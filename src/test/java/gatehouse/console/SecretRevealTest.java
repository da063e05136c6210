package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.crypto.Encryption;
import gatehouse.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SecretRevealTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final SecretReveal reveal = new SecretReveal(new Encryption(List.of(Encryption.generateKey())), clock);
    private final UUID person = UUID.randomUUID();

    @Test
    void sealedSecretsOpenForTheSamePersonAndApp() {
        String sealed = reveal.seal("app_1", person, "sec_1", "whsec_1", false);

        var opened = reveal.open(sealed, person, "app_1");

        assertThat(opened).isPresent();
        assertThat(opened.get().secret()).isEqualTo("sec_1");
        assertThat(opened.get().webhookSecret()).isEqualTo("whsec_1");
        assertThat(sealed).doesNotContain("sec_1");
    }

    @Test
    void anotherPersonAnotherAppALateOrATamperedCookieOpensNothing() {
        String sealed = reveal.seal("app_1", person, "sec_1", null, true);

        assertThat(reveal.open(sealed, UUID.randomUUID(), "app_1")).isEmpty();
        assertThat(reveal.open(sealed, person, "app_2")).isEmpty();
        assertThat(reveal.open(sealed.substring(0, sealed.length() - 2) + "AA", person, "app_1")).isEmpty();
        assertThat(reveal.open("not a token", person, "app_1")).isEmpty();
        assertThat(reveal.open(null, person, "app_1")).isEmpty();
        clock.advance(SecretReveal.LIFETIME.plus(Duration.ofSeconds(1)));
        assertThat(reveal.open(sealed, person, "app_1")).isEmpty();
    }
}
