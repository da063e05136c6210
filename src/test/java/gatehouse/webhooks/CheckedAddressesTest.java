package gatehouse.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The addresses a webhook connection may go to: resolved once, every one checked, exactly those handed on. */
class CheckedAddressesTest {
    private final List<String> lookups = new ArrayList<>();

    /** Answers {@code first} to the first lookup and {@code then} to every later one. */
    private HostResolver rebinding(List<String> first, List<String> then) {
        var calls = new AtomicInteger();
        return host -> {
            lookups.add(host);
            return (calls.getAndIncrement() == 0 ? first : then).stream().map(CheckedAddressesTest::ip).toList();
        };
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyCheckedAnswerIsHandedOnAndTheNameIsNotAskedAgain() throws Exception {
        var addresses = new CheckedAddresses(rebinding(List.of("93.184.216.34", "2606:4700:4700::1111"),
                List.of("127.0.0.1")), false, Runnable::run);

        assertThat(addresses.check("hooks.example.com", 443)).containsExactly(
                new InetSocketAddress(ip("93.184.216.34"), 443), new InetSocketAddress(ip("2606:4700:4700::1111"), 443));
        assertThat(lookups).containsExactly("hooks.example.com");
    }

    @Test
    void theCheckedAddressesKeepTheUrlsHostNameForTls() throws Exception {
        var addresses = new CheckedAddresses(rebinding(List.of("93.184.216.34"), List.of()), false, Runnable::run);

        InetSocketAddress only = addresses.check("hooks.example.com", 443).getFirst();

        assertThat(only.getHostString()).isEqualTo("hooks.example.com"); // the SNI and certificate name
        assertThat(only.getAddress().getAddress()).isEqualTo(ip("93.184.216.34").getAddress());
        assertThat(only.isUnresolved()).isFalse(); // nothing left for the client to look up
    }

    @Test
    void aNameMixingPublicAndInternalAddressesIsRefused() {
        var addresses = new CheckedAddresses(rebinding(List.of("93.184.216.34", "169.254.169.254"), List.of()),
                false, Runnable::run);

        assertThatThrownBy(() -> addresses.check("hooks.example.com", 443))
                .isInstanceOf(CheckedAddresses.RefusedDestination.class);
    }

    @Test
    void aNameWhoseFirstAnswerIsInternalIsRefusedEvenIfItWouldAnswerPublicLater() {
        var addresses = new CheckedAddresses(rebinding(List.of("127.0.0.1"), List.of("93.184.216.34")), false,
                Runnable::run);

        assertThatThrownBy(() -> addresses.check("hooks.example.com", 443))
                .isInstanceOf(CheckedAddresses.RefusedDestination.class);
        assertThat(lookups).hasSize(1);
    }

    @Test
    void aNameWithoutAddressesDoesNotResolve() {
        var addresses = new CheckedAddresses(host -> List.of(), false, Runnable::run);

        assertThatThrownBy(() -> addresses.check("hooks.example.com", 443)).isInstanceOf(UnknownHostException.class)
                .isNotInstanceOf(CheckedAddresses.RefusedDestination.class);
    }

    @Test
    void withPrivateDestinationsAllowedTheResolvedAddressIsStillTheOnlyOneConnectedTo() throws Exception {
        var addresses = new CheckedAddresses(rebinding(List.of("127.0.0.1"), List.of("127.0.0.2")), true,
                Runnable::run);

        assertThat(addresses.check("hooks.example.com", 8080)).containsExactly(new InetSocketAddress(ip("127.0.0.1"), 8080));
        assertThat(lookups).hasSize(1);
    }

    @Test
    void anIpv6LiteralIsLookedUpWithoutItsBrackets() throws Exception {
        var addresses = new CheckedAddresses(rebinding(List.of("::1"), List.of()), true, Runnable::run);

        assertThat(addresses.check("[::1]", 443)).containsExactly(new InetSocketAddress(ip("::1"), 443));
        assertThat(lookups).containsExactly("::1");
    }
}
