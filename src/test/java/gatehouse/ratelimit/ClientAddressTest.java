package gatehouse.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

    @Test
    void anIpv4AddressCountsAlone() {
        assertThat(ClientAddress.of("203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void everyAddressOfOneIpv6Slash64CountsAsOne() {
        assertThat(ClientAddress.of("2001:db8:1:2::1")).isEqualTo(ClientAddress.of("2001:db8:1:2:ffff:eeee:dddd:cccc"))
                .isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientAddress.of("2001:db8:1:3::1")).isNotEqualTo(ClientAddress.of("2001:db8:1:2::1"));
    }

    @Test
    void anIpv4MappedAddressCountsAsItsIpv4() {
        assertThat(ClientAddress.of("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void somethingUnparseableCountsAsItIs() {
        assertThat(ClientAddress.of("not-an-address")).isEqualTo("not-an-address");
        assertThat(ClientAddress.of(null)).isNull();
    }
}
