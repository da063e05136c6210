package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The switches and the request log every fake provider stands on. */
class FakeProviderTest {
    /** Fails at every request; {@code /refresh} answers through the after-refresh switch. */
    private static final class Echo extends FakeProvider {
        @Override
        protected Reply answer(Request request) {
            Reply failed = armedFailure(request.path());
            if (failed != null) {
                return failed;
            }
            Reply ok = Reply.json(200, Map.of("path", request.path()));
            return request.path().equals("/refresh") ? afterRefresh(ok) : ok;
        }

        @Override
        protected Reply serverError(int status) {
            return Reply.text(status, "text/plain", "down");
        }

        @Override
        protected Reply rateLimited(long retryAfterSeconds) {
            return Reply.text(429, "text/plain", "slow down").with("Retry-After", Long.toString(retryAfterSeconds));
        }
    }

    private final Echo fake = new Echo();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void failNextFailsExactlyThatManyRequestsThenRecovers() throws Exception {
        fake.failNext(2, 503);

        assertThat(List.of(get("/a").statusCode(), get("/b").statusCode(), get("/c").statusCode()))
                .containsExactly(503, 503, 200);
    }

    @Test
    void failNextOnLeavesOtherPathsAlone() throws Exception {
        fake.failNextOn("/token", 1, 500);

        assertThat(get("/user").statusCode()).isEqualTo(200);
        assertThat(get("/token").statusCode()).isEqualTo(500);
        assertThat(get("/token").statusCode()).isEqualTo(200);
    }

    @Test
    void aSwitchArmedForeverHoldsUntilHealed() throws Exception {
        fake.rateLimitNext(Integer.MAX_VALUE, 7);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> limited = get("/a");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
        }

        fake.heal();

        assertThat(get("/a").statusCode()).isEqualTo(200);
    }

    @Test
    void aHungRequestIsDroppedWhenHealed() throws Exception {
        fake.hangNext(1);
        CompletableFuture<HttpResponse<String>> hung = client.sendAsync(post("/a"), HttpResponse.BodyHandlers.ofString());
        Eventually.until(() -> fake.requests().size() == 1);
        assertThat(hung).isNotDone();

        fake.heal();

        assertThatThrownBy(() -> hung.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        assertThat(get("/b").statusCode()).isEqualTo(200);
    }

    @Test
    void aShortHangDropsTheConnectionByItself() {
        fake.hangNext(1, Duration.ZERO);

        assertThatThrownBy(() -> client.send(post("/a"), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void afterRefreshLosesTheAnswerOfARefreshOnly() throws Exception {
        fake.afterRefresh(FakeProvider.AfterRefresh.FAIL_502);

        assertThat(get("/refresh").statusCode()).isEqualTo(502);
        assertThat(get("/other").statusCode()).isEqualTo(200);
        fake.heal();
        assertThat(get("/refresh").statusCode()).isEqualTo(200);
    }

    @Test
    void theLogKeepsEveryRequestInOrderWithItsQueryAndBody() throws Exception {
        get("/first?a=1&a=2&b=x%20y");
        client.send(HttpRequest.newBuilder(URI.create(fake.url() + "/second"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token")).build(),
                HttpResponse.BodyHandlers.ofString());

        List<FakeProvider.Request> log = fake.requests();

        assertThat(log).extracting(FakeProvider.Request::path).containsExactly("/first", "/second");
        assertThat(log.get(0).query()).containsExactly(Map.entry("a", "1"), Map.entry("b", "x y"));
        assertThat(log.get(1).is("POST", "/second")).isTrue();
        assertThat(log.get(1).param("grant_type")).isEqualTo("refresh_token");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST, which the JDK client does not retry when the connection drops (it retries a GET once). */
    private HttpRequest post(String path) {
        return HttpRequest.newBuilder(URI.create(fake.url() + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("")).build();
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create(fake.url() + path)).timeout(Duration.ofSeconds(10)).build();
    }
}
