package gatehouse.oauth;

import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import java.time.Instant;
import java.util.UUID;

/** Stores what a grant issues: a new family, its access tokens and its refresh tokens. */
public interface TokenIssuing {

    void createFamily(Tx tx, TokenGrant grant);

    /**
     * Stores a new access token and returns its value. An installation-bound one first revokes the
     * installation's previous token (one live access token per installation).
     */
    TokenService.Issued issueAccessToken(Tx tx, TokenService.AccessSpec spec);

    /**
     * Stores an access token that stands alone (a service token: no family, no installation), in no
     * unit of work of the grant's: it is committed when this returns, possibly in one commit with
     * other tokens issued at the same time (group commit).
     */
    TokenService.Issued issueServiceToken(TokenService.AccessSpec spec);

    /** Stores a new refresh token of the family; returns its value, shown once. */
    String issueRefreshToken(Tx tx, UUID grantId, UUID parentId, String clientId, String scope, Instant expiresAt);
}
