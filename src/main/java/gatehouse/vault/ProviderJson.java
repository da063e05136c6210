package gatehouse.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON to and from providers, with a mapper of its own: lenient where Gatehouse's own API is strict
 * (a provider's duplicated key or trailing bytes are its business), and unaffected by how the HTTP
 * contract spells names.
 */
final class ProviderJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private ProviderJson() {
    }

    /** The body as a tree; throws on a body that is not JSON. */
    static JsonNode parse(String body) throws JsonProcessingException {
        return MAPPER.readTree(body);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
