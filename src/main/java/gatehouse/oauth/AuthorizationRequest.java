package gatehouse.oauth;

import gatehouse.clients.Client;
import java.util.Set;
import java.util.UUID;

/**
 * A validated authorization request (RFC 6749 §4.1.1): the app and redirect URI are verified, so
 * any later refusal may be sent to {@code redirectUri}.
 */
public record AuthorizationRequest(
        Client client,
        String redirectUri,
        boolean redirectUriSent,
        String state,
        Set<String> scopes,
        String codeChallenge,
        String actor,
        UUID organizationId,
        Set<String> prompt) {
}
