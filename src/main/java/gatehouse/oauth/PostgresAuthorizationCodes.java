package gatehouse.oauth;

import java.time.Instant;
import java.util.Optional;

/** Authorization codes on PostgreSQL: the statements are {@link AuthorizationCodeRepository}'s. */
public final class PostgresAuthorizationCodes implements AuthorizationCodes {
    private final AuthorizationCodeRepository codes;

    public PostgresAuthorizationCodes(AuthorizationCodeRepository codes) {
        this.codes = codes;
    }

    @Override
    public void insert(Tx tx, AuthorizationCode code, byte[] hash) {
        codes.insert(PostgresTransactions.handle(tx), code, hash);
    }

    @Override
    public Optional<Redeemed> consume(Tx tx, byte[] hash, String clientId, Instant now) {
        return codes.consume(PostgresTransactions.handle(tx), hash, clientId, now);
    }

    @Override
    public Optional<AuthorizationCode> find(Tx tx, byte[] hash) {
        return codes.find(PostgresTransactions.handle(tx), hash);
    }
}
