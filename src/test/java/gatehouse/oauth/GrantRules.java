package gatehouse.oauth;

import gatehouse.audit.AuditLog;
import gatehouse.audit.AuditRepository;
import gatehouse.clients.Client;
import gatehouse.clients.ClientRepository;
import gatehouse.installations.Installation;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.testing.Fixtures;
import gatehouse.testing.MutableClock;
import gatehouse.testing.TestServer;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenRepository;
import gatehouse.tokens.TokenService;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The grants built directly (no HTTP) on their PostgreSQL stores and the test database, with a
 * clock the test moves, plus an app and a user to exchange for. Apps and users are made through the API, so every foreign key
 * holds.
 */
final class GrantRules {
    final MutableClock clock = MutableClock.startingNow();
    final Database database = TestServer.get().app().database();
    final TokenCodec codec = new TokenCodec("fo", new SecureRandom());
    final TokenRepository repository = new TokenRepository();
    final AuditLog audit = new AuditLog(database, new AuditRepository(), clock);
    final TokenService tokens = new TokenService(database, repository, codec, audit, clock,
            TestServer.get().app().accessTokenSigner());
    final AuthorizationCodeRepository codes = new AuthorizationCodeRepository();
    final PostgresTransactions transactions = new PostgresTransactions(database);
    final PostgresTokens families = new PostgresTokens(tokens, audit);
    final Issuance issuance = new Issuance(families, (tx, clientId, organizationId) -> TestServer.get().app()
            .installations().holdActive(PostgresTransactions.handle(tx), clientId, organizationId)
            .map(Installation::scopes));
    final AuthorizationCodeGrant authorizationCode = new AuthorizationCodeGrant(transactions,
            new PostgresAuthorizationCodes(codes), families, issuance,
            IdTokens.postgres(TestServer.get().app().signingKeys()), TestServer.get().issuer(), codec, clock);
    final RefreshTokenGrant refreshToken = new RefreshTokenGrant(transactions, families, issuance, codec, clock,
            TestServer.get().app().encryption());

    final Fixtures.User user = Fixtures.newUser();
    final String orgId = Fixtures.org(user.login());

    /** An app as the token endpoint would see it after authentication. */
    Client app(Map<String, Object> overrides) {
        Fixtures.App created = Fixtures.app(Fixtures.admin(), orgId, overrides);
        return database.withHandle(handle -> new ClientRepository().find(handle, created.clientId())).orElseThrow();
    }

    /**
     * Stores a code as the consent step would (with the user's consent to the app in the
     * organization, which redemption checks), valid for five minutes from the clock's now.
     */
    String code(Client client, String challenge) {
        String value = codec.generate(TokenKind.AUTHORIZATION_CODE);
        var code = new AuthorizationCode(client.clientId(), UUID.fromString(user.id()), UUID.fromString(orgId), "self",
                "", Fixtures.REDIRECT_URI, true, challenge, Ids.newId(), clock.instant(),
                clock.instant().plus(AuthorizationService.CODE_TTL), null, null, null);
        database.withHandle(handle -> {
            handle.createUpdate("""
                            INSERT INTO consents (id, user_id, client_id, organization_id, actor, scopes, created_at, updated_at)
                            VALUES (:id, :userId, :clientId, :orgId, 'self', '{}', now(), now()) ON CONFLICT DO NOTHING""")
                    .bind("id", Ids.newId()).bind("userId", UUID.fromString(user.id())).bind("clientId", client.clientId())
                    .bind("orgId", UUID.fromString(orgId)).execute();
            codes.insert(handle, code, TokenCodec.hash(value));
            return null;
        });
        return value;
    }

    TokenResponse exchange(Client client, String code, String verifier) {
        return authorizationCode.exchange(client, verifier == null
                ? Map.of("code", code, "redirect_uri", Fixtures.REDIRECT_URI)
                : Map.of("code", code, "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", verifier));
    }

    TokenResponse refresh(Client client, String refreshToken) {
        return this.refreshToken.exchange(client, Map.of("refresh_token", refreshToken));
    }

    boolean active(String accessToken) {
        return tokens.findActiveAccessToken(accessToken).isPresent();
    }

    static Map<String, Object> rotating(int graceSeconds) {
        return Map.of("refresh_token_grace_seconds", graceSeconds, "grant_types", List.of("authorization_code", "refresh_token"));
    }
}
