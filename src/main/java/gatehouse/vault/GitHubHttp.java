package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What both GitHub flavours share (docs/vault-providers.md, "GitHub"): REST headers, reading GitHub's answers and the
 * failures every GitHub call classifies alike (5xx, rate limits). Package-private: a detail of
 * {@link GitHubOAuthPlatform} and {@link GitHubAppPlatform}.
 */
final class GitHubHttp {
    static final String PROVIDER = "GitHub";
    private static final int MAX_MESSAGE = 200;

    private GitHubHttp() {
    }

    /** A REST request with GitHub's recommended headers; {@code bearer} is a user/installation token or an app JWT. */
    static HttpRequest.Builder rest(URI uri, String bearer) {
        return HttpRequest.newBuilder(uri)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("Authorization", "Bearer " + bearer);
    }

    /**
     * The failure every GitHub answer shares, or null: 5xx, 429, and a 403 that is a rate limit
     * (Retry-After or x-ratelimit-remaining: 0) are worth retrying; a 403 for other reasons is not.
     */
    static ProviderException retryable(ProviderHttp.Answer answer, Clock clock) {
        int status = answer.status();
        if (status >= 500) {
            return new ProviderException(ProviderException.Kind.TRANSIENT, "http_" + status,
                    PROVIDER + " answered " + status, answer.retryAfter());
        }
        boolean limitExhausted = "0".equals(trimmed(answer.header("x-ratelimit-remaining")));
        boolean rateLimited = status == 429 || (status == 403 && (answer.header("Retry-After") != null || limitExhausted));
        if (rateLimited) {
            return new ProviderException(ProviderException.Kind.TRANSIENT, "rate_limited",
                    PROVIDER + " rate limit reached (" + status + ")", retryAfterSeconds(answer, clock));
        }
        return null;
    }

    /** Retry-After, else the seconds until x-ratelimit-reset, else 0. */
    static long retryAfterSeconds(ProviderHttp.Answer answer, Clock clock) {
        long retryAfter = answer.retryAfter();
        if (retryAfter > 0) {
            return retryAfter;
        }
        try {
            String reset = trimmed(answer.header("x-ratelimit-reset"));
            return reset == null ? 0 : Math.max(0, Long.parseLong(reset) - clock.instant().getEpochSecond());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A JSON body; an unreadable one (a proxy's HTML page, a truncated answer) may well be fine on retry. */
    static JsonNode json(ProviderHttp.Answer answer) throws ProviderException {
        try {
            JsonNode node = ProviderJson.parse(answer.body() == null ? "" : answer.body());
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("empty body");
            }
            return node;
        } catch (Exception e) {
            throw new ProviderException(ProviderException.Kind.TRANSIENT, "malformed_response",
                    PROVIDER + " answered " + answer.status() + " with a body that is not JSON");
        }
    }

    /**
     * A token endpoint answer as flat fields, JSON or form-encoded: we ask for JSON, but a GitHub
     * Enterprise proxy or an old server may still answer in the default form encoding.
     */
    static Map<String, String> tokenFields(ProviderHttp.Answer answer) throws ProviderException {
        String body = answer.body() == null ? "" : answer.body().strip();
        if (!body.startsWith("{")) {
            return formFields(body);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        json(answer).properties().forEach(e -> {
            JsonNode value = e.getValue();
            if (value.isValueNode() && !value.isNull()) {
                fields.put(e.getKey(), value.asText());
            }
        });
        return fields;
    }

    static Map<String, String> formFields(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            fields.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return fields;
    }

    /** GitHub's REST {@code message}, shortened, for an exception message (it never echoes a token). */
    static String message(ProviderHttp.Answer answer) {
        try {
            JsonNode message = ProviderJson.parse(answer.body()).path("message");
            String text = message.isTextual() ? message.asText() : "";
            return text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) : text;
        } catch (Exception e) {
            return "";
        }
    }

    /** Absolute expiry from an {@code expires_in} that may be a number or a string; null when absent. */
    static Instant expiresAt(String expiresIn, Instant arrival) {
        if (expiresIn == null || expiresIn.isBlank()) {
            return null;
        }
        try {
            return arrival.plusSeconds(Long.parseLong(expiresIn.strip()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Granted scopes: GitHub returns them comma-separated although they are requested space-separated. */
    static List<String> scopes(String granted) {
        if (granted == null) {
            return List.of();
        }
        return Arrays.stream(granted.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
    }

    private static String trimmed(String value) {
        return value == null ? null : value.strip();
    }
}
