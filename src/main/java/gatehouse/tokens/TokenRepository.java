package gatehouse.tokens;

import gatehouse.auth.ActorMode;
import gatehouse.store.PageRequest;
import gatehouse.store.PlainSql;
import gatehouse.store.Rows;
import gatehouse.store.SqlArrays;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Grants, access tokens and refresh tokens, all looked up by the SHA-256 of their value. Every
 * method runs on the caller's handle, so a service composes them into one transaction.
 */
public final class TokenRepository {
    private static final RowMapper<AccessToken> ACCESS = (rs, ctx) -> new AccessToken(
            Rows.uuid(rs, "id"), rs.getString("client_id"), Rows.uuid(rs, "user_id"), Rows.uuid(rs, "organization_id"),
            rs.getString("actor"), rs.getString("scope"), Rows.uuid(rs, "grant_id"), rs.getString("grant_type"),
            rs.getBoolean("single_per_installation"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"),
            Rows.instant(rs, "revoked_at"), rs.getString("dpop_jkt"), rs.getString("audience"), rs.getString("act"));
    // Hand-written mappers and binds on the token paths: Jdbi's reflective ConstructorMapper and
    // bindMethods re-resolve columns, qualifiers and method handles for every statement, which was
    // the largest share of a code exchange's CPU (BENCHMARKS.md).
    private static final RowMapper<RefreshToken> REFRESH = (rs, ctx) -> new RefreshToken(
            Rows.uuid(rs, "id"), Rows.uuid(rs, "grant_id"), Rows.uuid(rs, "parent_id"), rs.getString("client_id"),
            rs.getString("scope"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"),
            Rows.instant(rs, "rotated_at"), rs.getBoolean("grace_used"), Rows.instant(rs, "revoked_at"));
    private static final RowMapper<TokenGrant> GRANT = (rs, ctx) -> new TokenGrant(
            Rows.uuid(rs, "g_id"), rs.getString("g_client_id"), Rows.uuid(rs, "g_user_id"),
            Rows.uuid(rs, "g_organization_id"), rs.getString("g_actor"), rs.getString("g_scope"),
            rs.getString("g_grant_type"), Rows.instant(rs, "g_created_at"), Rows.instant(rs, "g_revoked_at"),
            rs.getString("g_dpop_jkt"), rs.getString("g_resource"));
    private static final String ACCESS_COLUMNS = """
            t.id, t.client_id, t.user_id, t.organization_id, t.actor, t.scope, t.grant_id, t.grant_type,
            t.single_per_installation, t.created_at, t.expires_at, t.revoked_at, t.dpop_jkt, t.audience, t.act""";
    private static final String REFRESH_COLUMNS = """
            r.id, r.grant_id, r.parent_id, r.client_id, r.scope, r.created_at, r.expires_at, r.rotated_at,
            r.grace_used, r.revoked_at,
            g.id AS g_id, g.client_id AS g_client_id, g.user_id AS g_user_id, g.organization_id AS g_organization_id,
            g.actor AS g_actor, g.scope AS g_scope, g.grant_type AS g_grant_type, g.created_at AS g_created_at,
            g.revoked_at AS g_revoked_at, g.dpop_jkt AS g_dpop_jkt, g.resource AS g_resource, coalesce(u.disabled, false) AS owner_disabled,
            coalesce(u.email_verified, false) AS owner_email_verified""";

    /** An access token with the user it acts for. */
    public record FoundAccess(AccessToken token, TokenOwner owner) {
    }

    /**
     * A refresh token with its grant, and whether the user who approved the grant is disabled and
     * has a verified email address.
     */
    public record FoundRefresh(RefreshToken token, TokenGrant grant, boolean ownerDisabled, boolean ownerEmailVerified) {
    }

    /**
     * An access token about to be stored, with its audit entry ({@code action} by the app, from
     * {@code ip} and {@code userAgent}, {@code detailsJson}); {@code signingKeyId} is null for an opaque token.
     */
    public record NewAccessToken(AccessToken token, byte[] hash, UUID signingKeyId, String action, UUID auditId,
                                 String ip, String userAgent, String detailsJson) {
    }

    /**
     * Stores the token and its audit entry in one statement, never one without the other: an
     * exchange that writes nothing else ({@link #storeExchange}).
     */
    public void insertAccessToken(Handle handle, NewAccessToken row) {
        storeExchange(handle, new ExchangeRows(null, null, null, null, row, Replaces.NOTHING));
    }

    /**
     * Everything one token exchange writes ({@link TokenService.Exchange}), as rows: the family it
     * starts or null, the refresh token it retires or null, the refresh token it hands out (with its
     * hash) or null, the access token with its audit entry, and which live access tokens the new one
     * replaces.
     */
    record ExchangeRows(TokenGrant family, TokenService.Retirement retired, RefreshToken refresh, byte[] refreshHash,
                        NewAccessToken access, Replaces replaces) {
    }

    /** Which live access tokens a new one replaces (revokes). */
    enum Replaces {
        NOTHING,
        /** The installation's one live token: same app, organization, actor and user. */
        INSTALLATION_TOKEN,
        /** Every live token of the family (a password sign-in's refresh replaces its own). */
        FAMILY_TOKENS
    }

    /**
     * Stores an exchange in one statement, its writes as data-modifying CTEs: one round trip and
     * one commit for what were five. The statements share one snapshot, so an installation
     * token's replacement sees a concurrent exchange's token only if this transaction already held
     * the installation's lock before the statement began (lock_installation, V16). Returns the
     * hashes of the tokens it revoked.
     */
    public List<byte[]> storeExchange(Handle handle, ExchangeRows rows) {
        var sql = new PlainSql().add("WITH ");
        if (rows.family() != null) {
            TokenGrant family = rows.family();
            sql.add("""
                    family AS (INSERT INTO token_grants (id, client_id, user_id, organization_id, actor, scope, grant_type,
                        created_at, dpop_jkt, resource) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)), """, family.id(),
                    family.clientId(), family.userId(), family.organizationId(), family.actor(), family.scope(),
                    family.grantType(), family.createdAt(), family.dpopJkt(), family.resource());
        }
        if (rows.retired() != null) {
            sql.add("retired AS (UPDATE refresh_tokens SET rotated_at = ?, successor_sealed = ? WHERE id = ?), ",
                    rows.retired().at(), rows.retired().sealedSuccessor(), rows.retired().refreshId());
        }
        if (rows.refresh() != null) {
            RefreshToken refresh = rows.refresh();
            sql.add("""
                    refresh AS (INSERT INTO refresh_tokens (token_hash, id, grant_id, parent_id, client_id, scope, created_at,
                        expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)), """, rows.refreshHash(), refresh.id(), refresh.grantId(),
                    refresh.parentId(), refresh.clientId(), refresh.scope(), refresh.createdAt(), refresh.expiresAt());
        }
        AccessToken token = rows.access().token();
        switch (rows.replaces()) {
            // "= ?" or "IS NULL", never "IS NOT DISTINCT FROM": only the former can use the installation
            // index, which otherwise leaves every live token of the app to filter.
            case INSTALLATION_TOKEN -> sql.add("replaced AS (UPDATE access_tokens SET revoked_at = ? WHERE client_id = ? AND actor = ?",
                            token.createdAt(), token.clientId(), token.actor())
                    .add(token.organizationId() == null ? " AND organization_id IS NULL" : " AND organization_id = ?",
                            nonNull(token.organizationId()))
                    .add(token.userId() == null ? " AND user_id IS NULL" : " AND user_id = ?", nonNull(token.userId()))
                    .add(" AND single_per_installation AND revoked_at IS NULL RETURNING token_hash), ");
            case FAMILY_TOKENS -> sql.add("""
                    replaced AS (UPDATE access_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL
                        RETURNING token_hash), """, token.createdAt(), token.grantId());
            case NOTHING -> { }
        }
        NewAccessToken access = rows.access();
        sql.add("""
                issued AS (INSERT INTO access_tokens (token_hash, id, client_id, user_id, organization_id, actor, scope,
                    grant_id, grant_type, single_per_installation, created_at, expires_at, signing_key_id, dpop_jkt,
                    audience, act)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),
                audited AS (INSERT INTO audit_logs (id, at, action, actor_type, actor_id, client_id, organization_id, ip,
                    user_agent, outcome, details)
                    SELECT ?, ?, ?, 'client', ?, ?, ?, ?, ?, 'success', CAST(? AS jsonb) FROM issued) """,
                access.hash(), token.id(), token.clientId(), token.userId(), token.organizationId(), token.actor(),
                token.scope(), token.grantId(), token.grantType(), token.singlePerInstallation(), token.createdAt(),
                token.expiresAt(), access.signingKeyId(), token.dpopJkt(), token.audience(), token.act(),
                access.auditId(), token.createdAt(), access.action(), token.clientId(), token.clientId(),
                token.organizationId(), access.ip(), access.userAgent(), access.detailsJson());
        sql.add(rows.replaces() == Replaces.NOTHING ? "SELECT NULL::bytea WHERE false" : "SELECT token_hash FROM replaced");
        return sql.query(handle, rs -> rs.getBytes(1));
    }

    /** The values a fragment binds: none for a null (it was written as IS NULL), else the one. */
    private static Object[] nonNull(Object value) {
        return value == null ? new Object[0] : new Object[] {value};
    }

    /**
     * Stores many tokens and their audit entries as {@link #insertAccessToken} stores one, in one
     * statement (so all or none): one column array per field, unnested into rows. The text never
     * changes with the number of rows, so the driver keeps it prepared.
     */
    public void insertAccessTokens(Handle handle, List<NewAccessToken> rows) {
        handle.createUpdate("""
                        WITH batch AS (
                            SELECT * FROM unnest(CAST(:hashes AS bytea[]), CAST(:ids AS uuid[]), CAST(:clientIds AS text[]),
                                CAST(:userIds AS uuid[]), CAST(:organizationIds AS uuid[]), CAST(:actors AS text[]),
                                CAST(:scopes AS text[]), CAST(:grantIds AS uuid[]), CAST(:grantTypes AS text[]),
                                CAST(:singles AS boolean[]), CAST(:createdAts AS timestamptz[]),
                                CAST(:expiresAts AS timestamptz[]), CAST(:signingKeyIds AS uuid[]), CAST(:actions AS text[]),
                                CAST(:auditIds AS uuid[]), CAST(:ips AS text[]), CAST(:userAgents AS text[]),
                                CAST(:details AS text[]), CAST(:dpopJkts AS text[]), CAST(:audiences AS text[]))
                                AS b (token_hash, id, client_id, user_id, organization_id, actor, scope, grant_id, grant_type,
                                      single_per_installation, created_at, expires_at, signing_key_id, action, audit_id, ip,
                                      user_agent, details, dpop_jkt, audience)),
                        issued AS (
                            INSERT INTO access_tokens (token_hash, id, client_id, user_id, organization_id, actor, scope,
                                grant_id, grant_type, single_per_installation, created_at, expires_at, signing_key_id, dpop_jkt,
                                audience)
                            SELECT token_hash, id, client_id, user_id, organization_id, actor, scope, grant_id, grant_type,
                                single_per_installation, created_at, expires_at, signing_key_id, dpop_jkt, audience FROM batch
                            RETURNING id)
                        INSERT INTO audit_logs (id, at, action, actor_type, actor_id, client_id, organization_id, ip,
                            user_agent, outcome, details)
                        SELECT b.audit_id, b.created_at, b.action, 'client', b.client_id, b.client_id, b.organization_id,
                            b.ip, b.user_agent, 'success', CAST(b.details AS jsonb)
                        FROM batch b JOIN issued i ON i.id = b.id""")
                .bind("hashes", SqlArrays.of("bytea", column(rows, NewAccessToken::hash, byte[][]::new)))
                .bind("ids", SqlArrays.of("uuid", column(rows, row -> row.token().id(), UUID[]::new)))
                .bind("clientIds", SqlArrays.of("text", column(rows, row -> row.token().clientId(), String[]::new)))
                .bind("userIds", SqlArrays.of("uuid", column(rows, row -> row.token().userId(), UUID[]::new)))
                .bind("organizationIds", SqlArrays.of("uuid", column(rows, row -> row.token().organizationId(), UUID[]::new)))
                .bind("actors", SqlArrays.of("text", column(rows, row -> row.token().actor(), String[]::new)))
                .bind("scopes", SqlArrays.of("text", column(rows, row -> row.token().scope(), String[]::new)))
                .bind("grantIds", SqlArrays.of("uuid", column(rows, row -> row.token().grantId(), UUID[]::new)))
                .bind("grantTypes", SqlArrays.of("text", column(rows, row -> row.token().grantType(), String[]::new)))
                .bind("singles", SqlArrays.of("bool", column(rows, row -> row.token().singlePerInstallation(), Boolean[]::new)))
                .bind("createdAts", SqlArrays.ofInstants(column(rows, row -> row.token().createdAt(), Instant[]::new)))
                .bind("expiresAts", SqlArrays.ofInstants(column(rows, row -> row.token().expiresAt(), Instant[]::new)))
                .bind("signingKeyIds", SqlArrays.of("uuid", column(rows, NewAccessToken::signingKeyId, UUID[]::new)))
                .bind("actions", SqlArrays.of("text", column(rows, NewAccessToken::action, String[]::new)))
                .bind("auditIds", SqlArrays.of("uuid", column(rows, NewAccessToken::auditId, UUID[]::new)))
                .bind("ips", SqlArrays.of("text", column(rows, NewAccessToken::ip, String[]::new)))
                .bind("userAgents", SqlArrays.of("text", column(rows, NewAccessToken::userAgent, String[]::new)))
                .bind("details", SqlArrays.of("text", column(rows, NewAccessToken::detailsJson, String[]::new)))
                .bind("dpopJkts", SqlArrays.of("text", column(rows, row -> row.token().dpopJkt(), String[]::new)))
                .bind("audiences", SqlArrays.of("text", column(rows, row -> row.token().audience(), String[]::new)))
                .execute();
    }

    /** One field of every row, as the array bound for its column. */
    private static <T> T[] column(List<NewAccessToken> rows, Function<NewAccessToken, T> field, IntFunction<T[]> array) {
        return rows.stream().map(field).toArray(array);
    }

    /**
     * Serializes issuing for one installation until the transaction ends, so two concurrent
     * exchanges cannot both leave a live token behind (lock_installation, V16).
     */
    public void lockInstallation(Handle handle, String clientId, UUID orgId, String actor, UUID userId) {
        new PlainSql().add("SELECT lock_installation(?, CAST(? AS uuid), ?, CAST(? AS uuid))", clientId, orgId, actor, userId)
                .query(handle, rs -> rs.getBoolean(1));
    }

    /**
     * Revokes the app's live access tokens that carry any of {@code scopes} (scopes it may no longer
     * use), in one statement: the token's space-separated scope read as an array, compared by overlap.
     */
    public int revokeCarryingScopes(Handle handle, String clientId, Collection<String> scopes, Instant now) {
        if (scopes.isEmpty()) {
            return 0;
        }
        return handle.createUpdate("""
                        UPDATE access_tokens SET revoked_at = :now
                        WHERE client_id = :clientId AND revoked_at IS NULL AND expires_at > :now
                          AND string_to_array(scope, ' ') && CAST(:scopes AS text[])""")
                .bind("clientId", clientId)
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("now", now)
                .execute();
    }

    /**
     * Revokes the live access tokens carrying {@code scope} of every app that requests it without an
     * admin's approval: the scope just became restricted, so those apps may no longer use it.
     */
    public int revokeCarryingUnapprovedScope(Handle handle, String scope, Instant now) {
        return handle.createUpdate("""
                        UPDATE access_tokens t SET revoked_at = :now
                        FROM clients c
                        WHERE c.client_id = t.client_id AND :scope = ANY (c.scopes) AND NOT :scope = ANY (c.approved_scopes)
                          AND t.revoked_at IS NULL AND t.expires_at > :now
                          AND string_to_array(t.scope, ' ') && ARRAY[CAST(:scope AS text)]""")
                .bind("scope", scope)
                .bind("now", now)
                .execute();
    }

    /** Revokes the app's grants made by a grant type (with their refresh and access tokens); returns how many. */
    public int revokeGrantsOfType(Handle handle, String clientId, String grantType, Instant now) {
        return revokeGrants(handle, handle.createQuery("""
                        SELECT id FROM token_grants WHERE client_id = :clientId AND grant_type = :grantType
                          AND revoked_at IS NULL""")
                .bind("clientId", clientId)
                .bind("grantType", grantType)
                .mapTo(UUID.class)
                .list(), now);
    }

    /** Revokes the app's live access tokens of a grant type that belong to no family; returns how many. */
    public int revokeLoneAccessTokensOfType(Handle handle, String clientId, String grantType, Instant now) {
        return handle.createUpdate("""
                        UPDATE access_tokens SET revoked_at = :now
                        WHERE client_id = :clientId AND grant_type = :grantType AND grant_id IS NULL AND revoked_at IS NULL""")
                .bind("now", now)
                .bind("clientId", clientId)
                .bind("grantType", grantType)
                .execute();
    }

    /**
     * Before revoking what an app holds in an organization: spends its unused codes and waits for
     * its refreshes in flight (their rows are locked), so nothing issued concurrently escapes the
     * revocation that follows in the same transaction.
     */
    public void settleAppInOrganization(Handle handle, String clientId, UUID orgId, Instant now) {
        handle.createUpdate("""
                        UPDATE authorization_codes SET expires_at = :now
                        WHERE client_id = :clientId AND organization_id = :orgId AND consumed_at IS NULL AND expires_at > :now""")
                .bind("clientId", clientId).bind("orgId", orgId).bind("now", now).execute();
        handle.createQuery("""
                        SELECT r.id FROM refresh_tokens r JOIN token_grants g ON g.id = r.grant_id
                        WHERE g.client_id = :clientId AND g.organization_id = :orgId AND g.revoked_at IS NULL
                          AND r.revoked_at IS NULL FOR UPDATE OF r""")
                .bind("clientId", clientId).bind("orgId", orgId).mapTo(UUID.class).list();
    }

    /**
     * Spends the unredeemed authorization codes that match (a null argument matches any): what they
     * depended on was just revoked, so no token may come of them. Returns how many.
     */
    public int expireUnusedCodes(Handle handle, String clientId, UUID userId, UUID orgId, String actor, Instant now) {
        return handle.createUpdate("""
                        UPDATE authorization_codes SET expires_at = :now
                        WHERE consumed_at IS NULL AND expires_at > :now
                          AND (CAST(:clientId AS text) IS NULL OR client_id = :clientId)
                          AND (CAST(:userId AS uuid) IS NULL OR user_id = :userId)
                          AND (CAST(:orgId AS uuid) IS NULL OR organization_id = :orgId)
                          AND (CAST(:actor AS text) IS NULL OR actor = :actor)""")
                .bind("clientId", clientId).bind("userId", userId).bind("orgId", orgId).bind("actor", actor)
                .bind("now", now)
                .execute();
    }

    /** Spends the unredeemed codes issued under one consent: exactly its (user, app, organization, actor). */
    public int expireCodesUnderConsent(Handle handle, UUID userId, String clientId, UUID orgId, String actor,
                                       Instant now) {
        return handle.createUpdate("""
                        UPDATE authorization_codes SET expires_at = :now
                        WHERE consumed_at IS NULL AND expires_at > :now AND user_id = :userId AND client_id = :clientId
                          AND organization_id IS NOT DISTINCT FROM :orgId AND actor = :actor""")
                .bind("clientId", clientId).bind("userId", userId).bind("orgId", orgId).bind("actor", actor)
                .bind("now", now)
                .execute();
    }

    /**
     * The refresh token and its grant, row-locked until the transaction ends, and the installation
     * its family's access tokens belong to locked first (lock_installation): the exchange's write
     * that follows replaces the installation's token in one statement, which must begin holding it.
     * Empty if unknown.
     */
    public Optional<FoundRefresh> lockRefreshToken(Handle handle, byte[] hash) {
        return new PlainSql().add("SELECT " + REFRESH_COLUMNS + """
                        , lock_installation(g.client_id, g.organization_id, g.actor, g.user_id) AS installation_held
                        FROM refresh_tokens r JOIN token_grants g ON g.id = r.grant_id
                        LEFT JOIN users u ON u.id = g.user_id WHERE r.token_hash = ? FOR UPDATE OF r""", hash)
                .query(handle, rs -> new FoundRefresh(REFRESH.map(rs, null), GRANT.map(rs, null),
                        rs.getBoolean("owner_disabled"), rs.getBoolean("owner_email_verified")))
                .stream().findFirst();
    }

    public Optional<FoundRefresh> findRefreshToken(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + REFRESH_COLUMNS
                        + " FROM refresh_tokens r JOIN token_grants g ON g.id = r.grant_id"
                        + " LEFT JOIN users u ON u.id = g.user_id WHERE r.token_hash = :hash")
                .bind("hash", hash)
                .map((rs, ctx) -> new FoundRefresh(REFRESH.map(rs, ctx), GRANT.map(rs, ctx), rs.getBoolean("owner_disabled"),
                        rs.getBoolean("owner_email_verified")))
                .findOne();
    }

    /**
     * Spends the token's one retry, in one statement: only if it was not spent, a successor was kept,
     * and that successor has not been used (rotated) itself. Returns the kept (encrypted) successor,
     * which is forgotten; empty when the retry is not allowed.
     */
    public Optional<String> claimGraceRetry(Handle handle, UUID refreshId) {
        return handle.createQuery("""
                        WITH kept AS (SELECT successor_sealed FROM refresh_tokens WHERE id = :id)
                        UPDATE refresh_tokens r SET grace_used = true, successor_sealed = NULL
                        WHERE r.id = :id AND NOT r.grace_used AND r.successor_sealed IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM refresh_tokens c WHERE c.parent_id = r.id AND c.rotated_at IS NOT NULL)
                        RETURNING (SELECT successor_sealed FROM kept)""")
                .bind("id", refreshId)
                .mapTo(String.class)
                .findOne();
    }

    /** Who a grant is for: its app, organization and user (null for an app acting as itself). */
    public record GrantParties(String clientId, UUID organizationId, UUID userId) {
    }

    /** Who holds live access tokens matching the filter: (app, organization, user), each once. */
    public List<GrantParties> partiesHolding(Handle handle, TokenListing.Filter filter, Instant now) {
        return handle.createQuery("""
                        SELECT DISTINCT client_id, organization_id, user_id FROM access_tokens
                        WHERE revoked_at IS NULL AND expires_at > :now AND""" + FILTER)
                .bind("now", now)
                .bind("clientId", filter.clientId())
                .bind("userId", filter.userId())
                .bind("orgId", filter.organizationId())
                .map((rs, ctx) -> new GrantParties(rs.getString("client_id"),
                        Rows.uuid(rs, "organization_id"), Rows.uuid(rs, "user_id")))
                .list();
    }

    /** Binds a family bound to no key yet to {@code dpopJkt} (RFC 9449 §5). */
    public void bindFamilyKey(Handle handle, UUID grantId, String dpopJkt) {
        handle.createUpdate("UPDATE token_grants SET dpop_jkt = :jkt WHERE id = :id AND dpop_jkt IS NULL")
                .bind("jkt", dpopJkt)
                .bind("id", grantId)
                .execute();
    }

    public List<GrantParties> partiesOf(Handle handle, List<UUID> grantIds) {
        return handle.createQuery("""
                        SELECT client_id, organization_id, CASE WHEN actor = 'self' THEN user_id END AS user_id
                        FROM token_grants WHERE id = ANY (:ids)""")
                .bind("ids", grantIds.toArray(UUID[]::new))
                .map((rs, ctx) -> new GrantParties(rs.getString("client_id"),
                        Rows.uuid(rs, "organization_id"), Rows.uuid(rs, "user_id")))
                .list();
    }

    /** Revokes the grant and every refresh and access token of it; returns how many grants changed. */
    public int revokeGrant(Handle handle, UUID grantId, Instant now) {
        return revokeGrants(handle, List.of(grantId), now);
    }

    /** Revokes the grants and every refresh and access token of them, three statements for any number. */
    public int revokeGrants(Handle handle, List<UUID> grantIds, Instant now) {
        if (grantIds.isEmpty()) {
            return 0;
        }
        UUID[] ids = grantIds.toArray(UUID[]::new);
        handle.createUpdate("UPDATE refresh_tokens SET revoked_at = :now WHERE grant_id = ANY (:ids) AND revoked_at IS NULL")
                .bind("ids", ids)
                .bind("now", now)
                .execute();
        handle.createUpdate("UPDATE access_tokens SET revoked_at = :now WHERE grant_id = ANY (:ids) AND revoked_at IS NULL")
                .bind("ids", ids)
                .bind("now", now)
                .execute();
        return handle.createUpdate("UPDATE token_grants SET revoked_at = :now WHERE id = ANY (:ids) AND revoked_at IS NULL")
                .bind("ids", ids)
                .bind("now", now)
                .execute();
    }

    /**
     * Revokes the app's grants approved by the user under one consent (and their access tokens), and
     * for actor self the app's access tokens acting as the user there.
     */
    public void revokeUnderConsent(Handle handle, UUID userId, String clientId, UUID organizationId, String actor,
                                   Instant now) {
        List<UUID> grants = handle.createQuery("""
                        SELECT id FROM token_grants
                        WHERE user_id = :userId AND client_id = :clientId AND actor = :actor
                          AND organization_id IS NOT DISTINCT FROM :orgId AND revoked_at IS NULL""")
                .bind("userId", userId)
                .bind("clientId", clientId)
                .bind("actor", actor)
                .bind("orgId", organizationId)
                .mapTo(UUID.class)
                .list();
        revokeGrants(handle, grants, now);
        if (ActorMode.SELF.is(actor)) {
            handle.createUpdate("""
                            UPDATE access_tokens SET revoked_at = :now
                            WHERE user_id = :userId AND client_id = :clientId AND actor = 'self'
                              AND organization_id IS NOT DISTINCT FROM :orgId AND revoked_at IS NULL""")
                    .bind("userId", userId)
                    .bind("clientId", clientId)
                    .bind("orgId", organizationId)
                    .bind("now", now)
                    .execute();
        }
    }

    public void revokeAllOfUser(Handle handle, UUID userId, Instant now) {
        revokeGrants(handle, handle.createQuery("SELECT id FROM token_grants WHERE user_id = :userId AND revoked_at IS NULL")
                .bind("userId", userId)
                .mapTo(UUID.class)
                .list(), now);
        handle.createUpdate("UPDATE access_tokens SET revoked_at = :now WHERE user_id = :userId AND revoked_at IS NULL")
                .bind("userId", userId)
                .bind("now", now)
                .execute();
    }

    /** Revokes the user's actor-self grants (and their tokens) and access tokens in the organization. */
    public void revokeUserInOrganization(Handle handle, UUID userId, UUID organizationId, Instant now) {
        List<UUID> grants = handle.createQuery("""
                        SELECT id FROM token_grants
                        WHERE user_id = :userId AND organization_id = :orgId AND actor = 'self' AND revoked_at IS NULL""")
                .bind("userId", userId)
                .bind("orgId", organizationId)
                .mapTo(UUID.class)
                .list();
        revokeGrants(handle, grants, now);
        handle.createUpdate("""
                        UPDATE access_tokens SET revoked_at = :now
                        WHERE user_id = :userId AND organization_id = :orgId AND revoked_at IS NULL""")
                .bind("userId", userId)
                .bind("orgId", organizationId)
                .bind("now", now)
                .execute();
    }

    private static final String FILTER = """
             (CAST(:clientId AS text) IS NULL OR client_id = :clientId)
            AND (CAST(:userId AS uuid) IS NULL OR user_id = :userId)
            AND (CAST(:orgId AS uuid) IS NULL OR organization_id = :orgId)""";

    /** Live access and refresh tokens matching the filter, in ID (creation) order, one page. */
    public List<TokenListing> listLive(Handle handle, TokenListing.Filter filter, PageRequest page,
                                       Instant now) {
        return handle.createQuery("""
                        SELECT * FROM (
                            SELECT t.id, 'access' AS type, t.client_id, t.user_id, t.organization_id, t.actor, t.scope,
                                   t.created_at, t.expires_at
                            FROM access_tokens t WHERE t.revoked_at IS NULL AND t.expires_at > :now
                            UNION ALL
                            SELECT r.id, 'refresh', r.client_id, CASE WHEN g.actor = 'self' THEN g.user_id END,
                                   g.organization_id, g.actor, r.scope, r.created_at, r.expires_at
                            FROM refresh_tokens r JOIN token_grants g ON g.id = r.grant_id
                            WHERE r.revoked_at IS NULL AND r.rotated_at IS NULL AND g.revoked_at IS NULL
                              AND (r.expires_at IS NULL OR r.expires_at > :now)
                        ) live WHERE id > :after AND""" + FILTER + " ORDER BY id LIMIT :limit")
                .bind("now", now)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .bind("clientId", filter.clientId())
                .bind("userId", filter.userId())
                .bind("orgId", filter.organizationId())
                .map((rs, ctx) -> new TokenListing(Rows.uuid(rs, "id"), rs.getString("type"), rs.getString("client_id"),
                        Rows.uuid(rs, "user_id"), Rows.uuid(rs, "organization_id"), rs.getString("actor"),
                        rs.getString("scope"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at")))
                .list();
    }

    /** Revokes every live token matching the filter (refresh tokens with their families); returns how many. */
    public int revokeMatching(Handle handle, TokenListing.Filter filter, Instant now) {
        // Access tokens first, so that those of the families revoked below are counted too.
        int revoked = handle.createUpdate("UPDATE access_tokens SET revoked_at = :now WHERE revoked_at IS NULL"
                        + " AND expires_at > :now AND" + FILTER)
                .bind("now", now)
                .bind("clientId", filter.clientId())
                .bind("userId", filter.userId())
                .bind("orgId", filter.organizationId())
                .execute();
        List<UUID> grants = handle.createQuery("""
                        SELECT id FROM (SELECT id, client_id, CASE WHEN actor = 'self' THEN user_id END AS user_id,
                                               organization_id FROM token_grants WHERE revoked_at IS NULL) g
                        WHERE""" + FILTER)
                .bind("clientId", filter.clientId())
                .bind("userId", filter.userId())
                .bind("orgId", filter.organizationId())
                .mapTo(UUID.class)
                .list();
        // Counted: the live refresh token of each family (its retired predecessors are not tokens anyone holds).
        revoked += handle.createUpdate("""
                        UPDATE refresh_tokens SET revoked_at = :now
                        WHERE grant_id = ANY (:ids) AND revoked_at IS NULL AND rotated_at IS NULL""")
                .bind("ids", grants.toArray(UUID[]::new))
                .bind("now", now)
                .execute();
        revokeGrants(handle, grants, now);
        return revoked;
    }

    /** The user's live refresh-token families (acting as themselves), of one app when given, newest first. */
    public List<OAuthSession> listSessions(Handle handle, UUID userId, String clientId, Instant now) {
        return handle.createQuery("""
                        SELECT g.id, c.name, g.client_id, g.created_at, g.scope
                        FROM token_grants g JOIN clients c ON c.client_id = g.client_id
                        WHERE g.user_id = :userId AND g.actor = 'self' AND g.revoked_at IS NULL
                          AND (CAST(:clientId AS text) IS NULL OR g.client_id = :clientId)
                          AND EXISTS (SELECT 1 FROM refresh_tokens r
                                      WHERE r.grant_id = g.id AND r.revoked_at IS NULL AND r.rotated_at IS NULL
                                        AND (r.expires_at IS NULL OR r.expires_at > :now))
                        ORDER BY g.created_at DESC, g.id""")
                .bind("userId", userId)
                .bind("clientId", clientId)
                .bind("now", now)
                .map((rs, ctx) -> new OAuthSession(Rows.uuid(rs, "id"), rs.getString("name"), rs.getString("client_id"),
                        Rows.instant(rs, "created_at").getEpochSecond(), rs.getString("scope")))
                .list();
    }

    /** The access token with the user it acts for; one indexed read, the introspection hot path. */
    public Optional<FoundAccess> findAccessToken(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + ACCESS_COLUMNS + """
                        , u.username AS owner_username, u.roles AS owner_roles, u.disabled AS owner_disabled,
                        u.email_verified AS owner_email_verified
                        FROM access_tokens t LEFT JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = :hash""")
                .bind("hash", hash)
                .map((rs, ctx) -> {
                    AccessToken token = ACCESS.map(rs, ctx);
                    TokenOwner owner = token.userId() == null ? TokenOwner.NONE : new TokenOwner(
                            rs.getString("owner_username"), Rows.texts(rs, "owner_roles"), rs.getBoolean("owner_disabled"),
                            rs.getBoolean("owner_email_verified"));
                    return new FoundAccess(token, owner);
                })
                .findOne();
    }

    /** Whether the user's email address is verified (false for an unknown user). */
    public boolean emailVerified(Handle handle, UUID userId) {
        return handle.createQuery("SELECT coalesce((SELECT email_verified FROM users WHERE id = :id), false)")
                .bind("id", userId)
                .mapTo(Boolean.class)
                .one();
    }

    /** Revokes one access token of {@code clientId}; false when unknown, foreign or already revoked. */
    public boolean revokeAccessToken(Handle handle, byte[] hash, String clientId, Instant now) {
        return handle.createUpdate("""
                        UPDATE access_tokens SET revoked_at = :now
                        WHERE token_hash = :hash AND client_id = :clientId AND revoked_at IS NULL""")
                .bind("hash", hash)
                .bind("clientId", clientId)
                .bind("now", now)
                .execute() == 1;
    }
}
