package gatehouse.oauth;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Token families and issuing on PostgreSQL: adapters over {@link TokenService}, whose repository
 * holds the statements.
 */
public final class PostgresTokens implements TokenFamilies, TokenIssuing {
    private final TokenService tokens;
    private final AuditLog audit;

    public PostgresTokens(TokenService tokens, AuditLog audit) {
        this.tokens = tokens;
        this.audit = audit;
    }

    @Override
    public Optional<Found> lockRefreshToken(Tx tx, byte[] hash) {
        return tokens.lockRefreshToken(PostgresTransactions.handle(tx), hash)
                .map(found -> new Found(found.token(), found.grant(), found.ownerDisabled(), found.ownerEmailVerified()));
    }

    @Override
    public Optional<String> claimGraceRetry(Tx tx, UUID refreshId) {
        return tokens.claimGraceRetry(PostgresTransactions.handle(tx), refreshId);
    }

    @Override
    public void bindKey(Tx tx, UUID grantId, String dpopJkt) {
        tokens.bindFamilyKey(PostgresTransactions.handle(tx), grantId, dpopJkt);
    }

    @Override
    public void revoke(Tx tx, UUID grantId) {
        tokens.revokeGrant(PostgresTransactions.handle(tx), grantId);
    }

    @Override
    public void revokeOnReuse(Tx tx, String clientId, TokenGrant grant) {
        var handle = PostgresTransactions.handle(tx);
        tokens.revokeGrant(handle, grant.id());
        audit.record(handle, Actor.client(clientId), AuditLog.Event.of("token.reuse_detected")
                .client(clientId).organization(grant.organizationId())
                .details(Map.of("grant_id", grant.id().toString())));
    }

    @Override
    public TokenService.NewRefresh newRefreshToken(UUID grantId, UUID parentId, String clientId, String scope,
                                                   Instant expiresAt) {
        return tokens.newRefreshToken(grantId, parentId, clientId, scope, expiresAt);
    }

    @Override
    public TokenService.Issued store(Tx tx, TokenService.Exchange exchange) {
        return tokens.storeExchange(PostgresTransactions.handle(tx), exchange);
    }

    @Override
    public TokenService.Issued issueAccessToken(Tx tx, TokenService.AccessSpec spec) {
        return tokens.issueAccessToken(PostgresTransactions.handle(tx), spec);
    }

    @Override
    public TokenService.Issued issueServiceToken(TokenService.AccessSpec spec) {
        return tokens.issueServiceToken(spec);
    }
}
