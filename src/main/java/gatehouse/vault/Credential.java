package gatehouse.vault;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Token material as a provider gives it (decrypted; never logged, never in toString). {@code extra}
 * holds what a provider needs later and is not secret-free by assumption either (e.g. Slack's
 * user token, GitHub's installation ID); it is stored encrypted with the rest.
 *
 * @param expiresAt absolute expiry (arrival time + expires_in), or null for a token that does not expire
 */
public record Credential(String accessToken, String refreshToken, Instant expiresAt, List<String> scopes,
                         Map<String, String> extra) {
    public Credential {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    @Override
    public String toString() {
        return "Credential[expiresAt=" + expiresAt + ", scopes=" + scopes + ", refreshable=" + (refreshToken != null) + "]";
    }
}
