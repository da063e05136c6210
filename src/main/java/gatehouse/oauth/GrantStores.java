package gatehouse.oauth;

import gatehouse.audit.AuditLog;
import gatehouse.consent.ConsentService;
import gatehouse.installations.Installation;
import gatehouse.installations.InstallationService;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.tokens.TokenService;
import gatehouse.users.UserService;

/** What the four grants stand on, each store narrow enough to have an in-memory twin in the tests. */
public record GrantStores(
        Transactions transactions,
        AuthorizationCodes codes,
        TokenFamilies families,
        TokenIssuing issuing,
        InstallationCheck installations,
        ConsentRecording consents,
        PasswordCheck passwords,
        OrgMembership memberships) {

    /** The stores on PostgreSQL, over the repositories and services that hold the SQL. */
    public static GrantStores postgres(Database database, AuthorizationCodeRepository codes, TokenService tokens,
                                       AuditLog audit,
                                       InstallationService installations, ConsentService consents, UserService users,
                                       OrgService orgs) {
        var postgresTokens = new PostgresTokens(tokens, audit);
        return new GrantStores(
                new PostgresTransactions(database),
                new PostgresAuthorizationCodes(codes),
                postgresTokens,
                postgresTokens,
                (tx, clientId, organizationId) -> installations
                        .holdActive(PostgresTransactions.handle(tx), clientId, organizationId)
                        .map(Installation::scopes),
                (tx, userId, clientId, organizationId, actor, scopes) -> consents
                        .grant(PostgresTransactions.handle(tx), userId, clientId, organizationId, actor, scopes),
                users::authenticate,
                (organizationId, userId) -> orgs.roleOf(organizationId, userId).isPresent());
    }
}
