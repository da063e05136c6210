package gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Http;
import gatehouse.testing.RawHttp;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP layer under hostile bytes, over raw keep-alive connections: every answer that ends the
 * connection says {@code Connection: close} and is followed by a clean close (never a reset), and
 * every 4xx of the HTTP layer carries the docs/http.md, "Conventions" JSON body.
 */
class HttpEdgeIT {
    private static final String HOST = "Host: 127.0.0.1\r\n";

    /** One malformed request, sent as raw bytes on a keep-alive connection, and the status it must get. */
    record Malformed(String name, String request, int status) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Malformed> malformedRequests() {
        return Stream.of(
                new Malformed("bad percent-encoding in the path", "GET /oauth/%zz HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("NUL in the path", "GET /api/v1/orgs/%00 HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("raw LF in the request line", "GET /he\nalth HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("raw CR in the request line", "GET /he\ralth HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("no HTTP version", "GET /health\r\n" + HOST + "\r\n", 400),
                new Malformed("unknown HTTP version", "GET /health HTTP/1.7\r\n" + HOST + "\r\n", 400),
                new Malformed("illegal method token", "G@T /health HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("header without a colon", "GET /health HTTP/1.1\r\n" + HOST + "no-colon\r\n\r\n", 400),
                new Malformed("space before a header colon", "GET /health HTTP/1.1\r\n" + HOST + "X-A : b\r\n\r\n", 400),
                new Malformed("two Content-Lengths", "POST /oauth/token HTTP/1.1\r\n" + HOST
                        + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 400),
                new Malformed("no Host", "GET /health HTTP/1.1\r\n\r\n", 400),
                new Malformed("PUT with a bad header", "PUT /api/v1/users/profile HTTP/1.1\r\n" + HOST + "Bad Header: x\r\n\r\n", 400),
                new Malformed("DELETE of a bad path", "DELETE /api/v1/orgs/%zz HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("headers over 8 KiB", "GET /health HTTP/1.1\r\n" + HOST + "X-Big: " + "b".repeat(70_000)
                        + "\r\n\r\n", 431),
                new Malformed("query over 8 KiB", "GET /health?" + "q".repeat(9_000) + " HTTP/1.1\r\n" + HOST + "\r\n", 414));
    }

    /** Issue 9 items 19 and 20, as a table. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestGetsJsonErrorAndSaysConnectionCloseWhenItCloses(Malformed m) {
        try (RawHttp.Connection connection = RawHttp.connect()) {
            Http.Response answer = connection.write(m.request()).read();

            assertThat(answer.status()).as("%s: %s", m.name(), answer).isEqualTo(m.status());
            assertJsonError(answer, "invalid_request");
            String after = connection.stateAfterAnswer();
            boolean saysClose = "close".equalsIgnoreCase(answer.header("Connection"));
            assertThat(after).as("how the connection ends after %s (Connection: %s)", m.name(), answer.header("Connection"))
                    .isEqualTo(saysClose ? "closed" : "open");
        }
    }

    /** Item 19: the next request on the connection must not die with a reset the client was not warned of. */
    @Test
    void badPercentEncodingInPathWhenKeptAliveThenAnswerSaysConnectionCloseAndClosesCleanly() {
        try (RawHttp.Connection connection = RawHttp.connect()) {
            Http.Response answer = connection.write("GET /oauth/%zz HTTP/1.1\r\n" + HOST + "\r\n").read();

            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.header("Connection")).as("answer headers: %s", answer.headers()).isEqualToIgnoringCase("close");
            assertJsonError(answer, "invalid_request");
            assertThat(connection.stateAfterAnswer()).isEqualTo("closed");
        }
    }

    /** Item 19: an invalid request the server read to its end keeps the connection for the next one. */
    @Test
    void invalidButCompleteRequestThenConnectionStaysOpenForTheNext() {
        try (RawHttp.Connection connection = RawHttp.connect()) {
            Http.Response unknown = connection.write("POST /no/such/path HTTP/1.1\r\n" + HOST
                    + "Content-Length: 10\r\n\r\n0123456789").read();
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.header("Connection")).isNull();

            Http.Response next = connection.get("/health").read();
            assertThat(next.status()).isEqualTo(200);
        }
    }

    /** Item 20: a request line broken by a raw line break, or without a version, is a 400, not a 505. */
    @Test
    void requestLineWithRawLineBreakOrNoVersionThenBadRequestNotVersionNotSupported() {
        for (String requestLine : new String[] {"GET /he\nalth HTTP/1.1", "GET /health", "GET /health HTTP/1.1\rX"}) {
            try (RawHttp.Connection connection = RawHttp.connect()) {
                Http.Response answer = connection.write(requestLine + "\r\n" + HOST + "\r\n").read();

                assertThat(answer.status()).as("answer to %s: %s", requestLine.replace("\r", "\\r").replace("\n", "\\n"), answer)
                        .isEqualTo(400);
                assertJsonError(answer, "invalid_request");
            }
        }
    }

    /** Item 20: the client sends its whole 1 MiB line, then reads the 414 and a clean end of stream. */
    @Test
    void oneMebibyteRequestLineThenUriTooLongAndACleanClose() {
        try (RawHttp.Connection connection = RawHttp.connect()) {
            String line = "GET /" + "a".repeat(1 << 20) + " HTTP/1.1\r\n" + HOST + "\r\n";

            Http.Response answer = connection.write(line).read();

            assertThat(answer.status()).isEqualTo(414);
            assertJsonError(answer, "invalid_request");
            assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(connection.writeFailure()).as("the request went out in full, no reset").isNull();
            assertThat(connection.stateAfterAnswer()).isEqualTo("closed");
        }
    }

    /**
     * Item 20: an answer given before the body was read (the body is too large, or nobody wants it)
     * lets the client finish sending and then ends with a clean close: the server drains the rest
     * instead of resetting, which would fail the client's write before it reads the answer.
     */
    @Test
    void unreadLargeBodyThenClientSendsItAllAndReadsTheAnswer() {
        String body = "b".repeat(12 << 20);
        for (String target : new String[] {"/oauth/token", "/no/such/path"}) {
            try (RawHttp.Connection connection = RawHttp.connect()) {
                connection.write("POST " + target + " HTTP/1.1\r\n" + HOST
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

                Http.Response answer = connection.read();

                assertThat(answer.status()).as("answer at %s", target).isIn(404, 413);
                assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
                assertThat(connection.writeFailure()).as("the body went out in full at %s, no reset", target).isNull();
                assertThat(connection.stateAfterAnswer()).isEqualTo("closed");
            }
        }
    }

    private static void assertJsonError(Http.Response answer, String error) {
        assertThat(answer.header("Content-Type")).as("content type: %s", answer).startsWith("application/json");
        assertThat(answer.json().get("error").asText()).as(answer.body()).isEqualTo(error);
        assertThat(answer.json().get("error_description").isTextual()).as(answer.body()).isTrue();
        assertThat(answer.json().has("error_uri")).as(answer.body()).isTrue();
        assertThat(answer.json().get("error_uri").isNull()).as(answer.body()).isTrue();
        assertThat(answer.header("X-Request-Id")).isNotBlank();
        assertThat(answer.body()).doesNotContain("<html");
    }
}
