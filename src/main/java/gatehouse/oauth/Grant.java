package gatehouse.oauth;

import gatehouse.clients.Client;
import java.util.Map;
import java.util.Set;

/**
 * One OAuth grant type at the token endpoint. The endpoint authenticates the client, checks it
 * may use this grant, and passes only the parameters named by {@link #parameters()}.
 */
public interface Grant {

    /** The {@code grant_type} value this grant answers, e.g. {@code authorization_code}. */
    String type();

    /** The parameters this grant reads; everything else is dropped before {@link #exchange}. */
    Set<String> parameters();

    /**
     * Validates the request and issues tokens, in one transaction.
     *
     * @param client  the authenticated app, already known to be registered for this grant type
     * @param params  the request's parameters, each present at most once and never empty
     * @param dpopJkt the JWK thumbprint of the key a verified DPoP proof showed the app holds (RFC 9449):
     *                the access token is bound to it; null for a bearer request
     * @throws gatehouse.errors.OAuthException with the RFC 6749 §5.2 code when the request is refused
     */
    TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt);

    /** A bearer request: no DPoP proof. */
    default TokenResponse exchange(Client client, Map<String, String> params) {
        return exchange(client, params, null);
    }
}
