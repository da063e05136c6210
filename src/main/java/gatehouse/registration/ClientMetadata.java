package gatehouse.registration;

import com.nimbusds.jose.util.JSONObjectUtils;
import gatehouse.clients.Client;
import gatehouse.clients.ClientSpec;
import gatehouse.clients.WebhookUrls;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.web.JsonBody;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Client metadata in RFC 7591's names (and OpenID Connect Registration's and RFC 9449's for the
 * members Gatehouse has), read into the management API's {@link ClientSpec} and written back from
 * the app. Members Gatehouse does not keep (logo_uri, contacts, tos_uri, policy_uri, software_id,
 * software_version, software_statement) are accepted and ignored, as RFC 7591 §2 allows; the
 * answer lists what was registered, so a client sees what was not.
 */
final class ClientMetadata {
    static final String DEFAULT_NAME = "Dynamically registered app";
    /** Every member a registration (or its replacement, RFC 7592 §2.2) sets. */
    private static final Set<String> SETS = Set.of("name", "homepage_url", "redirect_uris", "post_logout_redirect_uris",
            "grant_types", "scope", "confidential", "id_token_signed_response_alg", "dpop_bound_access_tokens",
            "token_endpoint_auth_method", "jwks", "jwks_uri");

    private ClientMetadata() {
    }

    /**
     * The app a registration request describes. {@code grant_types} defaults to authorization_code
     * and {@code token_endpoint_auth_method} to client_secret_basic (RFC 7591 §2), {@code none}
     * making a public app; {@code response_types} must agree with the grant types.
     */
    static ClientSpec spec(JsonBody body) {
        String method = body.string("token_endpoint_auth_method", 30);
        List<String> grantTypes = body.strings("grant_types", 10, 50);
        if (grantTypes == null) {
            grantTypes = List.of(Client.AUTHORIZATION_CODE);
        }
        List<String> responseTypes = body.strings("response_types", 5, 50);
        List<String> expected = grantTypes.contains(Client.AUTHORIZATION_CODE) ? List.of("code") : List.of();
        if (responseTypes != null && !Set.copyOf(responseTypes).equals(Set.copyOf(expected))) {
            throw OAuthException.of(OAuthError.INVALID_CLIENT_METADATA,
                    "response_types must be " + expected + " for these grant_types (only code is supported)");
        }
        String name = body.string("client_name", 201);
        return new ClientSpec(SETS, name == null ? DEFAULT_NAME : name, null, body.string("client_uri", 2001), null,
                listOrEmpty(body.strings("redirect_uris", 20, 2001)),
                listOrEmpty(body.strings("post_logout_redirect_uris", 20, 2001)), grantTypes,
                body.string("scope", 4000), !Client.NONE.equals(method), null, null, null, null,
                body.string("id_token_signed_response_alg", 20), null, null, null, null, null, null, null, null,
                body.bool("dpop_bound_access_tokens"), method == null ? Client.CLIENT_SECRET_BASIC : method,
                body.node("jwks"), body.string("jwks_uri", WebhookUrls.MAX_LENGTH + 1), null, null);
    }

    private static List<String> listOrEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }

    /** A refusal of the management API's rules, in RFC 7591 §3.2.2's codes. */
    static OAuthException asRegistrationError(OAuthException e) {
        if (e.error() != OAuthError.VALIDATION_FAILED) {
            return e;
        }
        String description = e.description() == null ? "" : e.description();
        boolean redirect = description.startsWith("redirect_uris") || description.startsWith("post_logout_redirect_uris")
                || description.startsWith("authorization_code needs");
        return OAuthException.of(redirect ? OAuthError.INVALID_REDIRECT_URI : OAuthError.INVALID_CLIENT_METADATA,
                description);
    }

    /** The app in RFC 7591 §3.2.1's members, with Gatehouse's organization_id. */
    static Map<String, Object> of(Client client, String issuer) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("client_id", client.clientId());
        body.put("client_id_issued_at", client.createdAt().getEpochSecond());
        body.put("client_name", client.name());
        if (client.homepageUrl() != null) {
            body.put("client_uri", client.homepageUrl());
        }
        body.put("redirect_uris", client.redirectUris());
        if (!client.postLogoutRedirectUris().isEmpty()) {
            body.put("post_logout_redirect_uris", client.postLogoutRedirectUris());
        }
        body.put("grant_types", client.grantTypes());
        body.put("response_types", client.grantTypes().contains(Client.AUTHORIZATION_CODE) ? List.of("code") : List.of());
        body.put("token_endpoint_auth_method", client.tokenEndpointAuthMethod());
        body.put("scope", String.join(" ", client.scopes()));
        if (client.authentication().jwksJson() != null) {
            body.put("jwks", parsed(client.authentication().jwksJson()));
        }
        if (client.authentication().jwksUri() != null) {
            body.put("jwks_uri", client.authentication().jwksUri());
        }
        body.put("id_token_signed_response_alg", client.idTokenAlg());
        body.put("dpop_bound_access_tokens", client.dpopBoundAccessTokens());
        body.put("registration_client_uri", issuer + "/oauth/register/" + client.clientId());
        body.put("organization_id", client.ownerOrgId());
        return body;
    }

    private static Map<String, Object> parsed(String json) {
        try {
            return JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("a stored JWK set does not parse", e);
        }
    }
}
