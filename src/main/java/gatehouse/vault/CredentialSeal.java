package gatehouse.vault;

import gatehouse.crypto.Encryption;
import gatehouse.store.StoredJson;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Token material in and out of the database: one JSON document, Fernet-encrypted. */
final class CredentialSeal {
    private final Encryption encryption;

    CredentialSeal(Encryption encryption) {
        this.encryption = encryption;
    }

    String seal(Credential credential) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("access_token", credential.accessToken());
        document.put("refresh_token", credential.refreshToken());
        document.put("expires_at", credential.expiresAt() == null ? null : credential.expiresAt().toString());
        document.put("scopes", credential.scopes());
        document.put("extra", credential.extra());
        return encryption.encrypt(StoredJson.write(document).getBytes(StandardCharsets.UTF_8));
    }

    String sealText(String text) {
        return encryption.encrypt(text.getBytes(StandardCharsets.UTF_8));
    }

    String openText(String sealed) {
        return new String(encryption.decrypt(sealed), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    Credential open(String sealed) {
        try {
            Map<String, Object> document = StoredJson.read(
                    new String(encryption.decrypt(sealed), StandardCharsets.UTF_8), Map.class);
            Object expires = document.get("expires_at");
            return new Credential((String) document.get("access_token"), (String) document.get("refresh_token"),
                    expires == null ? null : Instant.parse((String) expires), (List<String>) document.get("scopes"),
                    (Map<String, String>) document.get("extra"));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("stored token material is not readable", e);
        }
    }
}
