package gatehouse.oauth;

import gatehouse.tokens.TokenService;
import java.time.Instant;
import java.util.UUID;

/** Stores what a grant issues: a new family, its access tokens and its refresh tokens. */
public interface TokenIssuing {

    /** Makes a refresh token of the family (value and row), not stored yet: an exchange stores it. */
    TokenService.NewRefresh newRefreshToken(UUID grantId, UUID parentId, String clientId, String scope, Instant expiresAt);

    /**
     * Stores everything one exchange of a code or refresh token (or one password sign-in) issues,
     * at once (on PostgreSQL, one statement), and returns its access token. An installation-bound
     * access token replaces the installation's previous one (one live access token per
     * installation): the unit of work already holds the installation, taken by the read that began
     * the exchange ({@link AuthorizationCodes#consume}, {@link TokenFamilies#lockRefreshToken}).
     */
    TokenService.Issued store(Tx tx, TokenService.Exchange exchange);

    /**
     * Stores a new access token outside any family and returns its value. An installation-bound one
     * first takes the installation's lock, then revokes its previous token.
     */
    TokenService.Issued issueAccessToken(Tx tx, TokenService.AccessSpec spec);

    /**
     * Stores an access token that stands alone (a service token: no family, no installation), in no
     * unit of work of the grant's: it is committed when this returns, possibly in one commit with
     * other tokens issued at the same time (group commit).
     */
    TokenService.Issued issueServiceToken(TokenService.AccessSpec spec);
}
