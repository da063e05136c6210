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

    /** Stores a new refresh token of the family; returns its value, shown once. */
    String issueRefreshToken(Tx tx, UUID grantId, UUID parentId, String clientId, String scope, Instant expiresAt);
}
