package gatehouse.clients;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import gatehouse.web.Json;
import java.util.List;

/** Vault access rules as stored: a JSON array of {@code {"platform", "methods", "paths"}}. */
public final class VaultAccessJson {
    private static final TypeReference<List<VaultAccess>> RULES = new TypeReference<>() { };

    private VaultAccessJson() {
    }

    public static List<VaultAccess> read(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return List.copyOf(Json.MAPPER.readValue(json, RULES));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored vault access is not JSON", e);
        }
    }

    public static String write(List<VaultAccess> rules) {
        return Json.writeString(rules);
    }
}
