package gatehouse.vault;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.ProviderException.Kind;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reading what an RFC 6749 provider answers, leniently, and classifying its failures by what they
 * mean for a connection (docs/vault-providers.md, "Rules shared by every provider"): a refused
 * grant ends the connection, a refused client is our configuration, and 5xx, 429 and 408 pass.
 */
final class ProviderAnswers {
    private static final int MAX_DESCRIPTION = 200;

    private ProviderAnswers() {
    }

    /** The body as JSON, or null when it is not JSON (a proxy's HTML error page, say). */
    static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return ProviderJson.parse(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static String text(JsonNode node, String field) {
        return node == null || !node.isObject() ? null : value(node.get(field));
    }

    static String at(JsonNode node, JsonPointer pointer) {
        return node == null || pointer == null ? null : value(node.at(pointer));
    }

    private static String value(JsonNode value) {
        return value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank() ? null : value.asText();
    }

    /** Arrival time + expires_in, read leniently (a number or a numeric string); null when absent. */
    static Instant expiry(JsonNode value, Instant arrivedAt) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        try {
            long seconds = value.isNumber() ? value.asLong() : Long.parseLong(value.asText().trim());
            return seconds > 0 ? arrivedAt.plusSeconds(seconds) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Scopes as a provider lists them: separated by spaces or commas. */
    static List<String> splitScopes(String scope) {
        return Arrays.stream(scope.trim().split("[\\s,]+")).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * A failed token call. {@code error} is the answer's OAuth error code (or null): invalid_grant
     * (and "refresh_token is invalid" as unauthorized_client) ends the connection; other codes are
     * our configuration; 5xx, 429 and 408 are transient.
     */
    static ProviderException tokenFailure(String provider, ProviderHttp.Answer answer, String error, String description) {
        if (isTransientStatus(answer.status())) {
            return transientFailure(provider, answer);
        }
        String shown = clip(description);
        if (error == null) {
            if (answer.status() == 200) {
                return new ProviderException(Kind.TRANSIENT, "malformed_response",
                        provider + "'s token endpoint answered 200 without an access token");
            }
            return new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(),
                    provider + "'s token endpoint refused the request with HTTP " + answer.status());
        }
        String message = provider + "'s token endpoint answered " + error + (shown.isEmpty() ? "" : ": " + shown);
        return new ProviderException(classifyTokenError(error, shown), error, message);
    }

    private static Kind classifyTokenError(String error, String description) {
        return switch (error) {
            case "invalid_grant" -> Kind.PERMANENT;
            // Atlassian's observed dead-refresh-token shape; otherwise (RFC 6749) the client may not
            // use this grant at all, which is our settings' fault, not the connection's.
            case "unauthorized_client" -> description.toLowerCase(Locale.ROOT).contains("refresh_token")
                    ? Kind.PERMANENT : Kind.CONFIGURATION;
            case "temporarily_unavailable", "server_error" -> Kind.TRANSIENT;
            default -> Kind.CONFIGURATION; // invalid_client, access_denied, invalid_request, …
        };
    }

    /** A failed API call with a token just received or stored: 401/403 = the token is not accepted. */
    static ProviderException apiFailure(String provider, ProviderHttp.Answer answer, String call) {
        if (isTransientStatus(answer.status())) {
            return transientFailure(provider, answer);
        }
        if (answer.status() == 401 || answer.status() == 403) {
            return new ProviderException(Kind.PERMANENT, answer.status() == 401 ? "unauthorized" : "forbidden",
                    provider + " refused the access token on " + call + " with HTTP " + answer.status());
        }
        return new ProviderException(Kind.CONFIGURATION, "http_" + answer.status(),
                provider + " answered " + call + " with HTTP " + answer.status() + " (is the API URL right?)");
    }

    static boolean isTransientStatus(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    private static ProviderException transientFailure(String provider, ProviderHttp.Answer answer) {
        String label = answer.status() == 429 ? "rate_limited" : "http_" + answer.status();
        return new ProviderException(Kind.TRANSIENT, label, provider + " answered HTTP " + answer.status(), answer.retryAfter());
    }

    /** A provider's description, shortened; it never holds a token of ours. */
    static String clip(String description) {
        if (description == null) {
            return "";
        }
        return description.length() > MAX_DESCRIPTION ? description.substring(0, MAX_DESCRIPTION) + "…" : description;
    }
}
