package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import gatehouse.web.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Stopping Gatehouse (App.close, as on SIGTERM) answers every request it was already sent — each
 * written whole to an open connection before close() — and then takes no new connections. The
 * requests are raw sockets, so "sent" is certain: connected and fully written before close().
 */
class GracefulShutdownIT {
    private static final int WAVE = 20;
    /** What came back on one connection: the status line's code, or how the connection failed. */
    private record Outcome(int status, String answer, String failure, long finishedAtNanos) {
    }

    @Test
    void closeWhenLoginsInFlightThenEachGetsACompleteAnswerAndNewConnectionsAreRefused() throws Exception {
        TestServer server = TestServer.start(Map.of());
        boolean closed = false;
        ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
        List<Socket> sockets = new ArrayList<>();
        try {
            URI base = URI.create(server.baseUrl());
            // A user of our own: every login runs Argon2, so the server is busy for a while.
            String username = Fixtures.unique("shutdown") + "@example.test";
            String password = "pw-" + Fixtures.unique("secret");
            Http.Response registered = Http.anonymous(server.baseUrl()).postJson("/api/v1/users",
                    Map.of("username", username, "password", password, "name", "Shutdown Test"));
            assertThat(registered.status()).as(registered.body()).isEqualTo(201);

            // Two waves of logins on the freshly started server, each request written whole before
            // close(): the second arrives while the server is busy hashing for the first, as a burst would.
            List<CompletableFuture<Outcome>> inFlight = new ArrayList<>();
            for (int i = 0; i < 2 * WAVE; i++) {
                if (i == WAVE) {
                    Thread.sleep(100);
                }
                // Half succeed (200); half name a user that does not exist (401), hashing all the same.
                String user = i % 2 == 0 ? username : Fixtures.unique("nobody") + "@example.test";
                Socket socket = send(base, login(base, user, password));
                sockets.add(socket);
                inFlight.add(CompletableFuture.supplyAsync(() -> read(socket), readers));
            }
            Thread.sleep(150);

            long closing = System.nanoTime();
            server.close();
            closed = true;
            long closedAt = System.nanoTime();
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2_000);
                }
            }).as("a new connection after close").isInstanceOf(ConnectException.class);

            List<Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<Outcome> request : inFlight) {
                outcomes.add(request.get(90, TimeUnit.SECONDS));
            }
            String summary = summary(outcomes, closing, closedAt);
            assertThat(outcomes).as("requests still running when close() was called (else this test proves nothing): %s",
                    summary).anyMatch(o -> o.finishedAtNanos() > closing);
            assertThat(outcomes.stream().filter(o -> o.status() != 200 && o.status() != 401).toList())
                    .as("requests sent before close() but not answered 200 or 401: %s", summary).isEmpty();
            assertThat(outcomes.stream().filter(o -> !o.answer().contains(o.status() == 200 ? "\"csrf_token\"" : "\"error\""))
                    .toList()).as("answers without a complete JSON body: %s", summary).isEmpty();
            assertThat(outcomes).as("close() returned only after the in-flight requests were answered: %s", summary)
                    .allMatch(o -> o.finishedAtNanos() <= closedAt + TimeUnit.MILLISECONDS.toNanos(500));
        } finally {
            if (!closed) {
                server.close();
            }
            for (Socket socket : sockets) {
                socket.close();
            }
            readers.shutdownNow();
        }
    }

    private static byte[] login(URI base, String username, String password) {
        byte[] body = Json.writeString(Map.of("username", username, "password", password)).getBytes(StandardCharsets.UTF_8);
        String head = "POST /api/v1/auth/login HTTP/1.1\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        var request = new ByteArrayOutputStream();
        request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(body);
        return request.toByteArray();
    }

    /** Opens a connection and writes the whole request on it, before returning. */
    private static Socket send(URI base, byte[] request) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        socket.setSoTimeout(30_000); // the server's stop timeout is 10 s
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
        return socket;
    }

    /** Reads the answer until the server closes the connection. */
    private static Outcome read(Socket socket) {
        var answer = new ByteArrayOutputStream();
        String failure = null;
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                answer.write(buffer, 0, n);
            }
        } catch (IOException e) {
            failure = e.toString();
        }
        String text = answer.toString(StandardCharsets.UTF_8);
        int status = 0;
        if (text.startsWith("HTTP/1.1 ") && text.length() >= 12) {
            status = Integer.parseInt(text.substring(9, 12));
        } else if (failure == null) {
            failure = text.isEmpty() ? "closed without an answer" : "not an HTTP answer";
        }
        return new Outcome(status, text, failure, System.nanoTime());
    }

    private static String summary(List<Outcome> outcomes, long closing, long closedAt) {
        List<Outcome> answered = outcomes.stream().filter(o -> o.status() != 0).toList();
        long late = answered.stream().filter(o -> o.finishedAtNanos() > closing).count();
        List<Outcome> cut = outcomes.stream().filter(o -> o.status() == 0).toList();
        Map<String, List<Long>> cuts = new TreeMap<>();
        cut.forEach(o -> cuts.computeIfAbsent(o.failure(), k -> new ArrayList<>())
                .add(TimeUnit.NANOSECONDS.toMillis(o.finishedAtNanos() - closing)));
        Map<Integer, Long> statuses = new TreeMap<>();
        answered.forEach(o -> statuses.merge(o.status(), 1L, Long::sum));
        return outcomes.size() + " requests; answered " + answered.size() + " " + statuses + " (" + late
                + " after close() began); cut off " + cut.size() + " (failure -> ms after close() began: " + cuts + "); close() took "
                + TimeUnit.NANOSECONDS.toMillis(closedAt - closing) + " ms";
    }
}
