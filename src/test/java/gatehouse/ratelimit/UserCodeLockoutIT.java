package gatehouse.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.time.Instant;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guessing user codes at /device (RFC 8628 §5.1): wrong codes spend a budget per user and IP, on a server with small ones. */
class UserCodeLockoutIT {
    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.start(Map.of("GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_USER", "3",
                "GATEHOUSE_RATE_LIMIT_USER_CODE_FAILURES_PER_IP", "5"));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** A new user's browser, signed in, and the CSRF token of its device page. */
    private record SignedIn(Http browser, String csrf) {
        Http.Response enter(String code) {
            return browser.postForm("/device", Http.form("user_code", code, "csrf_token", csrf));
        }
    }

    private SignedIn signedInUser(String name) {
        Http browser = Http.browser(server.baseUrl());
        String username = name + System.nanoTime() + "@example.test";
        assertThat(browser.postJson("/api/v1/users", Map.of("username", username, "password", "pw-long-enough-1",
                "name", name)).status()).isEqualTo(201);
        assertThat(browser.postJson("/api/v1/auth/login", Map.of("username", username, "password", "pw-long-enough-1"))
                .status()).isEqualTo(200);
        Http.Response page = browser.get("/device");
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return new SignedIn(browser, Jsoup.parse(page.body()).selectFirst("input[name=csrf_token]").attr("value"));
    }

    @Test
    void wrongCodesLockTheUserThenTheAddressAndEvenAWellFormedCodeIsThenRefused() {
        Instant started = Instant.now().minusSeconds(1);
        SignedIn guesser = signedInUser("guesser");
        // Input that cannot be a code costs nothing.
        assertThat(guesser.enter("not a code").status()).isEqualTo(400);
        for (String code : new String[] {"BBBB-BBBB", "CCCC-CCCC", "KKKK-KKKK"}) {
            assertThat(guesser.enter(code).status()).isEqualTo(400);
        }
        Http.Response locked = guesser.enter("DDDD-DDDD");
        assertThat(locked.status()).isEqualTo(429);
        assertThat(locked.header("Retry-After")).isNotNull();
        Integer audited = server.app().database().withHandle(handle -> handle.createQuery("""
                        SELECT count(*) FROM audit_logs WHERE action = 'rate_limit.exceeded'
                          AND details->>'limit' = 'user_code_failures' AND at >= :since""")
                .bind("since", started).mapTo(Integer.class).one());
        assertThat(audited).as("the lockout is audited once").isEqualTo(1);

        // Another account from the same address has the address's budget left: two more failures.
        SignedIn accomplice = signedInUser("accomplice");
        assertThat(accomplice.enter("FFFF-FFFF").status()).isEqualTo(400);
        assertThat(accomplice.enter("GGGG-GGGG").status()).isEqualTo(400);
        assertThat(accomplice.enter("HHHH-HHHH").status()).isEqualTo(429);
    }
}
