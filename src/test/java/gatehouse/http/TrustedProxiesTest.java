package gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client-IP rule of GATEHOUSE_TRUSTED_PROXIES, and the validation of the list at start. */
class TrustedProxiesTest {
    private static TrustedProxies trusting(String list) {
        List<String> problems = new ArrayList<>();
        TrustedProxies proxies = TrustedProxies.parse("GATEHOUSE_TRUSTED_PROXIES", list, problems);
        assertThat(problems).isEmpty();
        return proxies;
    }

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        assertThat(TrustedProxies.NONE.clientIp("10.0.0.5", List.of("203.0.113.9"))).isEqualTo("10.0.0.5");
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(trusting("10.0.0.0/8").clientIp("192.0.2.1", List.of("203.0.113.9"))).isEqualTo("192.0.2.1");
    }

    @Test
    void fromATrustedPeerTheRightmostUntrustedHopIsTheClient() {
        TrustedProxies proxies = trusting("10.0.0.0/8, fd00::/8");
        assertThat(proxies.clientIp("10.1.2.3", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        // The leftmost entry is whatever the client wrote; the proxies appended the rest.
        assertThat(proxies.clientIp("10.1.2.3", List.of("198.51.100.1, 203.0.113.9, 10.9.9.9"))).isEqualTo("203.0.113.9");
        assertThat(proxies.clientIp("10.1.2.3", List.of("198.51.100.1", "203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(proxies.clientIp("fd00::1", List.of("2001:db8::7"))).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(proxies.clientIp("[fd00::1]", List.of("::ffff:203.0.113.9"))).isEqualTo("203.0.113.9");
    }

    @Test
    void whenEveryHopIsTrustedTheLeftmostIsTheClient() {
        assertThat(trusting("10.0.0.0/8").clientIp("10.0.0.1", List.of("10.0.0.3, 10.0.0.2"))).isEqualTo("10.0.0.3");
        assertThat(trusting("10.0.0.0/8").clientIp("10.0.0.1", List.of())).isEqualTo("10.0.0.1");
    }

    @Test
    void aMalformedEntryStopsTheWalkAtTheLastTrustedHop() {
        TrustedProxies proxies = trusting("10.0.0.0/8");
        assertThat(proxies.clientIp("10.0.0.1", List.of("203.0.113.9, not-an-ip"))).isEqualTo("10.0.0.1");
        assertThat(proxies.clientIp("10.0.0.1", List.of("203.0.113.9:4711"))).isEqualTo("10.0.0.1");
        assertThat(proxies.clientIp("10.0.0.1", List.of("evil.example, 10.0.0.7"))).isEqualTo("10.0.0.7");
        assertThat(proxies.clientIp("10.0.0.1", List.of("203.0.113.9,"))).isEqualTo("10.0.0.1");
        assertThat(proxies.clientIp("10.0.0.1", List.of("256.1.1.1"))).isEqualTo("10.0.0.1");
    }

    @Test
    void prefixesMatchBitByBit() {
        TrustedProxies proxies = trusting("192.168.4.0/22, 2001:db8::/32, 127.0.0.1");
        assertThat(proxies.clientIp("192.168.7.255", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(proxies.clientIp("192.168.8.0", List.of("203.0.113.9"))).isEqualTo("192.168.8.0");
        assertThat(proxies.clientIp("2001:db8:ffff::1", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(proxies.clientIp("2001:db9::1", List.of("203.0.113.9"))).isEqualTo("2001:db9::1");
        assertThat(proxies.clientIp("127.0.0.2", List.of("203.0.113.9"))).isEqualTo("127.0.0.2");
    }

    @Test
    void configReportsEveryBadEntryAtStart() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("GATEHOUSE_TRUSTED_PROXIES",
                "10.0.0.0/8, proxy.internal, 10.0.0.0/33, fd00::/8, 1.2.3/24, ::1/129")))
                .isInstanceOf(Config.InvalidConfigException.class)
                .hasMessageContaining("'proxy.internal'")
                .hasMessageContaining("'10.0.0.0/33'")
                .hasMessageContaining("'1.2.3/24'")
                .hasMessageContaining("'::1/129'")
                .message().doesNotContain("'10.0.0.0/8'").doesNotContain("'fd00::/8'");
        assertThat(Config.fromEnv(Map.of()).server().trustedProxies().isEmpty()).isTrue();
        assertThat(Config.fromEnv(Map.of("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8,::1")).server().trustedProxies().isEmpty()).isFalse();
    }
}
