package gatehouse.oauth;

import gatehouse.clients.Client;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * A validated authorization request (RFC 6749 §4.1.1): the app and redirect URI are verified, so
 * any later refusal may be sent to {@code redirectUri}. OpenID Connect adds {@code nonce} (echoed in
 * the ID token), {@code maxAge} (seconds since the user signed in after which they sign in again;
 * null: any), {@code loginHint} (the username to offer on the login page) and {@code hintedUserId}
 * (the user an {@code id_token_hint} names: anyone else signed in must sign in as them).
 * {@code pushed} is the pushed request (RFC 9126) it came from, else null; {@code resource} the
 * resource server its tokens are for (RFC 8707), else null.
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
        Set<String> prompt,
        String nonce,
        Long maxAge,
        String loginHint,
        UUID hintedUserId,
        Pushed pushed,
        String resource) {

    /** A request for Gatehouse's default audience (no resource indicator). */
    public AuthorizationRequest(Client client, String redirectUri, boolean redirectUriSent, String state,
                                Set<String> scopes, String codeChallenge, String actor, UUID organizationId,
                                Set<String> prompt, String nonce, Long maxAge, String loginHint, UUID hintedUserId,
                                Pushed pushed) {
        this(client, redirectUri, redirectUriSent, state, scopes, codeChallenge, actor, organizationId, prompt, nonce,
                maxAge, loginHint, hintedUserId, pushed, null);
    }

    /** The pushed request (RFC 9126) an authorization request came from: its SHA-256, and when it was pushed. */
    public record Pushed(byte[] hash, Instant at) {
    }

    /**
     * What a device asked for (RFC 8628), as the consent step sees it: no redirect URI (its answer is
     * collected by polling), no state, no PKCE, no prompt.
     */
    static AuthorizationRequest forDevice(Client client, Set<String> scopes, String actor, UUID organizationId,
                                          String resource) {
        return new AuthorizationRequest(client, null, false, null, scopes, null, actor, organizationId, Set.of(), null,
                null, null, null, null, resource);
    }

    /** Whether the app asked to sign the user in (OpenID Connect). */
    public boolean openId() {
        return scopes.contains(OpenIdConnect.SCOPE);
    }
}
