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

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
            "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesArePublic(String literal) throws Exception {
        assertThat(WebhookUrls.isPublic(InetAddress.getByName(literal))).isTrue();
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
