package gatehouse.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gatehouse.errors.OAuthException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A JSON object read strictly (docs/http.md, "Conventions"): a wrong type is {@code validation_failed}, never coerced;
 * strings have length limits; duplicate keys and trailing garbage are refused. Absent and
 * {@code null} members read as null, so callers decide what is required.
 */
public final class JsonBody {
    public static final int DEFAULT_MAX_STRING = 1000;

    private final ObjectNode object;

    private JsonBody(ObjectNode object) {
        this.object = object;
    }

    public static JsonBody parse(byte[] body) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw OAuthException.invalidRequest("the body is not valid JSON").withCause(e);
        } catch (IOException e) {
            throw OAuthException.invalidRequest("the body could not be read").withCause(e);
        }
        if (node == null || node.isMissingNode()) {
            throw OAuthException.invalidRequest("the body is empty; a JSON object is required");
        }
        if (!node.isObject()) {
            throw OAuthException.validation("the body must be a JSON object");
        }
        return new JsonBody((ObjectNode) node);
    }

    public static JsonBody empty() {
        return new JsonBody(Json.MAPPER.createObjectNode());
    }

    /** True when the member is present, even if null. */
    public boolean has(String name) {
        return object.has(name);
    }

    /** The member as it was sent, any JSON type; null when absent or null. */
    public JsonNode node(String name) {
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? null : node;
    }

    public String string(String name) {
        return string(name, DEFAULT_MAX_STRING);
    }

    public String string(String name, int maxLength) {
        JsonNode node = member(name);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw typeError(name, "a string");
        }
        String value = node.textValue();
        if (value.length() > maxLength) {
            throw OAuthException.validation(name + " must be at most " + maxLength + " characters");
        }
        if (value.indexOf('\0') >= 0) {
            throw OAuthException.validation(name + " must not contain NUL characters");
        }
        return value;
    }

    public String requiredString(String name, int maxLength) {
        String value = string(name, maxLength);
        if (value == null || value.isBlank()) {
            throw OAuthException.validation(name + " is required");
        }
        return value;
    }

    public Boolean bool(String name) {
        JsonNode node = member(name);
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            throw typeError(name, "true or false");
        }
        return node.booleanValue();
    }

    public Integer integer(String name, int min, int max) {
        JsonNode node = member(name);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw typeError(name, "a whole number");
        }
        int value = node.intValue();
        if (value < min || value > max) {
            throw OAuthException.validation(name + " must be between " + min + " and " + max);
        }
        return value;
    }

    public UUID uuid(String name) {
        String value = string(name, 36);
        return value == null ? null : parseUuid(name, value);
    }

    public List<String> strings(String name, int maxItems, int maxLength) {
        JsonNode node = member(name);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw typeError(name, "an array of strings");
        }
        if (node.size() > maxItems) {
            throw OAuthException.validation(name + " must have at most " + maxItems + " items");
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw typeError(name, "an array of strings");
            }
            if (item.textValue().length() > maxLength) {
                throw OAuthException.validation("each item of " + name + " must be at most " + maxLength + " characters");
            }
            if (item.textValue().indexOf('\0') >= 0) {
                throw OAuthException.validation(name + " must not contain NUL characters");
            }
            values.add(item.textValue());
        }
        return values;
    }

    /** Parses a resource ID; a malformed one is validation_failed naming the field. */
    public static UUID parseUuid(String name, String value) {
        try {
            if (value.length() != 36) {
                throw new IllegalArgumentException();
            }
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw OAuthException.validation(name + " must be a UUID");
        }
    }

    private JsonNode member(String name) {
        JsonNode node = object.get(name);
        return node == null || node.isNull() ? null : node;
    }

    private static OAuthException typeError(String name, String expected) {
        return OAuthException.validation(name + " must be " + expected);
    }
}
