package gatehouse.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import gatehouse.errors.OAuthException;
import java.text.ParseException;

/** An app's registered public keys (RFC 7591 {@code jwks}): checked, and kept in canonical form. */
final class ClientKeys {
    static final int MAX_KEYS = 10;
    static final int MAX_JSON_LENGTH = 32_768;

    private ClientKeys() {
    }

    /**
     * The JWK set as stored, or null to clear it: a JSON object with {@code keys}, at most
     * {@link #MAX_KEYS} EC or RSA public keys. A private key is refused rather than stripped: whoever
     * sent one has leaked it and must make a new one.
     */
    static String publicJwks(JsonNode jwks) {
        if (jwks == null) {
            return null;
        }
        String json = jwks.toString();
        if (!jwks.isObject() || json.length() > MAX_JSON_LENGTH) {
            throw OAuthException.validation("jwks must be a JWK set (an object with keys), at most 32 KiB");
        }
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException | RuntimeException e) {
            throw OAuthException.validation("jwks is not a JWK set (RFC 7517): " + e.getMessage());
        }
        return checked(set).toString(true);
    }

    /** The set when it holds what a registered one may (also a set fetched from a jwks_uri); else validation_failed. */
    static JWKSet checked(JWKSet set) {
        if (set.getKeys().isEmpty() || set.getKeys().size() > MAX_KEYS) {
            throw OAuthException.validation("jwks must hold 1 to " + MAX_KEYS + " keys");
        }
        for (JWK key : set.getKeys()) {
            if (key.isPrivate()) {
                throw OAuthException.validation("jwks holds a private key: register public keys only (and replace the leaked one)");
            }
            if (!KeyType.EC.equals(key.getKeyType()) && !KeyType.RSA.equals(key.getKeyType())) {
                throw OAuthException.validation("jwks keys must be EC or RSA keys");
            }
            if (key instanceof RSAKey rsa && rsa.getModulus().decodeToBigInteger().bitLength() < 2048) {
                throw OAuthException.validation("jwks RSA keys must be at least 2048 bits");
            }
        }
        return set;
    }
}
