package gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.web.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small HTTP client for the tests, like the one a user would script: never follows redirects,
 * keeps cookies when it plays a browser, and sends the session's X-CSRF-Token on unsafe requests.
 */
public final class Http {
    private final HttpClient client;
    private final String baseUrl;
    private String csrfToken;

    private Http(HttpClient client, String baseUrl) {
        this.client = client;
        this.baseUrl = baseUrl;
    }

    /** No cookies: an API client or a server-side OAuth client. */
    public static Http anonymous() {
        return anonymous(TestServer.get().baseUrl());
    }

    public static Http anonymous(String baseUrl) {
        return new Http(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build(), baseUrl);
    }

    /** Keeps cookies, like a browser. */
    public static Http browser() {
        return browser(TestServer.get().baseUrl());
    }

    public static Http browser(String baseUrl) {
        return new Http(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build(), baseUrl);
    }

    public Http csrf(String token) {
        this.csrfToken = token;
        return this;
    }

    public String csrf() {
        return csrfToken;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** What came back. */
    public record Response(int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String location() {
            return header("Location");
        }

        public String text(String field) {
            JsonNode node = json().get(field);
            return node == null || node.isNull() ? null : node.asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Response get(String path, String... headers) {
        return send("GET", path, null, null, headers);
    }

    public Response delete(String path, String... headers) {
        return send("DELETE", path, null, null, headers);
    }

    public Response postForm(String path, String form, String... headers) {
        return send("POST", path, "application/x-www-form-urlencoded", form, headers);
    }

    public Response postJson(String path, Object body, String... headers) {
        return send("POST", path, "application/json", body instanceof String s ? s : Json.writeString(body), headers);
    }

    public Response putJson(String path, Object body, String... headers) {
        return send("PUT", path, "application/json", body instanceof String s ? s : Json.writeString(body), headers);
    }

    /** Any request. {@code headers} are name/value pairs; a null content type sends no body. */
    public Response send(String method, String path, String contentType, String body, String... headers) {
        var builder = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        if (csrfToken != null && !method.equals("GET")) {
            builder.header("X-CSRF-Token", csrfToken);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code a=1&b=2} from name/value pairs, percent-encoded. */
    public static String form(String... pairs) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            parts.add(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return String.join("&", parts);
    }

    public static String form(Map<String, String> fields) {
        List<String> pairs = new ArrayList<>();
        fields.forEach((k, v) -> {
            pairs.add(k);
            pairs.add(v);
        });
        return form(pairs.toArray(String[]::new));
    }

    /** The value of an {@code Authorization: Basic} header for client_secret_basic (RFC 6749 §2.3.1). */
    public static String basic(String clientId, String secret) {
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /** The query parameters of a URL (first value each). */
    public static Map<String, String> queryOf(String url) {
        String query = URI.create(url).getRawQuery();
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }
}
