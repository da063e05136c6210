package gatehouse.webhooks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An app's webhook endpoint, written from the Standard Webhooks specification rather than from
 * Gatehouse's code: it checks the signature itself, and can be told to fail before it recovers.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One request as received; {@code acknowledged} when this receiver answered 2xx. */
    public record Received(String id, String timestamp, String body, boolean validSignature, boolean acknowledged,
                    String host) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile byte[] key;

    public WebhookReceiver() {
        this("127.0.0.1", 0);
    }

    /** A receiver on {@code address}, port {@code port} (0: any free one). */
    public WebhookReceiver(String address, int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String signatures = exchange.getRequestHeaders().getFirst("webhook-signature");
            boolean valid = verify(id, timestamp, body, signatures);
            boolean fail = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            int status = !valid ? 400 : fail ? 500 : 204;
            received.add(new Received(id, timestamp, body, valid, status == 204,
                    exchange.getRequestHeaders().getFirst("Host")));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + port() + "/hook";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The app's whsec_ secret, as Gatehouse showed it at registration. */
    public void secret(String whsec) {
        this.key = Base64.getDecoder().decode(whsec.substring("whsec_".length()));
    }

    public void failNext(int times) {
        failuresLeft.set(times);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> acknowledged() {
        return received.stream().filter(Received::acknowledged).toList();
    }

    private boolean verify(String id, String timestamp, String body, String signatures) {
        if (key == null || id == null || timestamp == null || signatures == null) {
            return false;
        }
        long age = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
        if (age > 300) {
            return false; // the scheme's replay window
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            for (String candidate : signatures.split(" ")) {
                String[] parts = candidate.split(",", 2);
                if (parts.length == 2 && parts[0].equals("v1")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
