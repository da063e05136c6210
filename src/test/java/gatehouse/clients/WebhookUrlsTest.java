package gatehouse.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which destinations webhooks may reach: public addresses only, however an internal one is written. */
class WebhookUrlsTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "198.18.0.1", "192.0.2.5", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
            "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1", "2002:7f00:1::"})
    void internalAddressesInAnyNotationAreNotPublic(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).isFalse();
    }

    /** Each special-purpose IPv4 range, by its first, a middle and its last address. */
    @ParameterizedTest
    @ValueSource(strings = {
            "0.0.0.0", "0.1.2.3", "0.255.255.255",                       // 0.0.0.0/8 this network
            "10.0.0.0", "10.128.0.1", "10.255.255.255",                  // 10/8
            "100.64.0.0", "100.100.100.100", "100.127.255.255",          // 100.64/10 shared CGN space
            "127.0.0.0", "127.0.0.1", "127.255.255.255",                 // 127/8 loopback
            "169.254.0.0", "169.254.169.254", "169.254.255.255",         // 169.254/16 link-local, metadata
            "172.16.0.0", "172.20.1.1", "172.31.255.255",                // 172.16/12
            "192.0.0.0", "192.0.0.9", "192.0.0.10", "192.0.0.170", "192.0.0.255", // 192.0.0/24 IETF assignments
            "192.0.2.0", "192.0.2.77", "192.0.2.255",                    // TEST-NET-1
            "192.31.196.1", "192.52.193.1", "192.175.48.1",              // AS112, AMT, AS112 direct delegation
            "192.88.99.0", "192.88.99.1", "192.88.99.255",               // 6to4 relay anycast
            "192.168.0.0", "192.168.1.1", "192.168.255.255",             // 192.168/16
            "198.18.0.0", "198.19.255.255",                              // 198.18/15 benchmarking
            "198.51.100.0", "198.51.100.255",                            // TEST-NET-2
            "203.0.113.0", "203.0.113.255",                              // TEST-NET-3
            "224.0.0.1", "239.255.255.255",                              // multicast
            "240.0.0.0", "250.1.2.3", "255.255.255.254", "255.255.255.255"}) // 240/4 reserved, broadcast
    void everySpecialPurposeIpv4RangeIsRefused(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).as(literal).isFalse();
    }

    /** Each special-purpose IPv6 range, by its first, a middle and its last address. */
    @ParameterizedTest
    @ValueSource(strings = {
            "::", "::1", "::2", "::8.8.8.8",                             // unspecified, loopback, IPv4-compatible
            "64:ff9b:1::", "64:ff9b:1::808:808", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", // local-use NAT64
            "100::", "100::1", "100::ffff:ffff:ffff:ffff",               // discard-only
            "100:0:0:1::1",                                              // dummy prefix
            "2001::", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", // Teredo
            "2001:1::1", "2001:1::2", "2001:1::3", "2001:2::1", "2001:3::1", "2001:4:112::1", // rest of 2001::/23
            "2001:10::1", "2001:20::1", "2001:30::1", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:db8::", "2001:db8:1234::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", // documentation
            "2620:4f:8000::1",                                           // AS112 direct delegation
            "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",          // documentation 3fff::/20
            "5f00::1",                                                   // segment routing SIDs
            "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",         // unique local
            "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",         // link-local
            "fec0::", "fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // site-local
            "ff00::", "ff02::1", "ff05::1:3", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // multicast
            "1::1", "4000::1", "e000::1"})                               // outside 2000::/3 global unicast
    void everySpecialPurposeIpv6RangeIsRefused(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).as(literal).isFalse();
    }

    /** The neighbours just outside the ranges stay public: the table's boundaries are where the registry puts them. */
    @ParameterizedTest
    @ValueSource(strings = {"1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
            "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
            "191.255.255.255", "192.0.1.0", "192.0.3.0", "192.88.98.255", "192.88.100.0", "192.167.255.255",
            "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "198.51.101.0", "203.0.112.255",
            "203.0.114.0", "223.255.255.255",
            "2001:200::1", "2001:db7:ffff::1", "2001:db9::1", "2000::1", "2600::1", "3ffe::1", "3fff:1000::1",
            "2620:4f:8001::1"})
    void addressesJustOutsideTheRangesArePublic(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).as(literal).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
            "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesArePublic(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://[2001::1]/hook", "https://[64:ff9b:1::a00:1]/hook", "https://[2001:db8::1]/",
            "https://192.88.99.1/", "https://[fec0::1]/", "https://[ff02::1]/"})
    void specialPurposeLiteralsAreRefusedAtRegistration(String url) {
        assertThat(WebhookUrls.problemWith(url, false)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://127.0.0.1/hook", "https://[::ffff:169.254.169.254]/", "https://localhost/x",
            "https://a.localhost/x", "http://hooks.example.com/x", "https://user@hooks.example.com/x",
            "https://hooks.example.com/x#frag", "not a url", "ftp://hooks.example.com/"})
    void urlsThatCannotReceiveWebhooksAreRefusedWithoutTheDevelopmentFlag(String url) {
        assertThat(WebhookUrls.problemWith(url, false)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/gatehouse", "https://8.8.8.8/hook"})
    void publicHttpsUrlsAreAccepted(String url) {
        assertThat(WebhookUrls.problemWith(url, false)).isNull();
    }
}
