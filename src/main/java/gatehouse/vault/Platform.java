package gatehouse.vault;

import java.net.URI;
import java.util.Map;

/**
 * One provider flow (GitHub OAuth App, GitHub App, Jira 3LO, Slack OAuth v2) behind one small
 * interface: where to send the browser, what the callback yields, how a stored credential is
 * renewed and revoked. Implementations speak the wire protocol of docs/vault-providers.md and nothing else:
 * no storage, no locking, no retries (the vault does those).
 */
public interface Platform {
    /** {@code github}, {@code jira} or {@code slack}: the path segment and the connection's platform. */
    String name();

    /** {@code oauth} or {@code app} (GitHub App); the connection's kind. */
    String kind();

    /** Whether the authorize URL carries a PKCE challenge (and the exchange its verifier). */
    boolean usesPkce();

    /**
     * The provider page to send the browser to. {@code codeChallenge} is null unless
     * {@link #usesPkce()}; {@code redirectUri} is {@code {issuer}/oauth/callback/{name}}.
     */
    URI authorizeUrl(String state, String redirectUri, String codeChallenge);

    /**
     * Completes the flow from the callback's query parameters (already checked: state valid, no
     * {@code error}): exchanges the code (or, for a GitHub App, verifies the installation), and
     * reads the external account(s) the grant reaches.
     *
     * @param codeVerifier the PKCE verifier, or null
     */
    Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier) throws ProviderException;

    /** What an administrator gives when connecting (a tenant subdomain), by name; none for most providers. */
    default Map<String, ProviderDefinition.Param> connectionParams() {
        return Map.of();
    }

    /** {@link #authorizeUrl(String, String, String)} for a connection with {@link #connectionParams()} values. */
    default URI authorizeUrl(String state, String redirectUri, String codeChallenge, Map<String, String> connectionParams) {
        return authorizeUrl(state, redirectUri, codeChallenge);
    }

    /** {@link #complete(Map, String, String)} for a connection with {@link #connectionParams()} values. */
    default Authorization complete(Map<String, String> callback, String redirectUri, String codeVerifier,
                                   Map<String, String> connectionParams) throws ProviderException {
        return complete(callback, redirectUri, codeVerifier);
    }

    /**
     * A cheap call proving the provider still accepts the credential (the scheduled credential check);
     * fails {@link ProviderException.Kind#PERMANENT} when it does not. Does nothing where no such call is known.
     */
    default void check(Credential credential) throws ProviderException {
    }

    /**
     * A renewed credential: a refresh-token grant, or a newly minted token (GitHub App installation
     * tokens cannot be refreshed). Called by the vault at most once at a time per credential, so a
     * rotating refresh token is never sent twice. A credential without a refresh token (and not
     * mintable) must not get here.
     */
    Credential refresh(Credential current) throws ProviderException;

    /** Whether {@link #refresh} can renew this credential at all (has a refresh token, or can mint). */
    boolean canRefresh(Credential credential);

    /**
     * Ends the external grant at the provider (disconnect): uninstalls, or revokes the tokens. Best
     * effort; a provider without an endpoint does nothing. The vault calls it only when no other
     * live connection uses the same grant or installation.
     */
    void revoke(Credential credential) throws ProviderException;

    /**
     * Revokes the token material of a credential that a re-authorization replaced, leaving the
     * external grant or installation itself alone (the successor uses it). Best effort; a token
     * the successor still uses is never revoked.
     */
    default void retire(Credential superseded, Credential successor) throws ProviderException {
    }

    /**
     * Whether renewing this credential kills its current access token at once (GitHub App user
     * tokens do): a token handed out must then be reported as expiring before anyone may renew it.
     */
    default boolean refreshKillsAccessToken(Credential credential) {
        return false;
    }
}
