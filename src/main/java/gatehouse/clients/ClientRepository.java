package gatehouse.clients;

import gatehouse.store.PageRequest;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;

/** OAuth apps by client_id. Deleting one cascades to every grant record that names it. */
public final class ClientRepository {
    private static final RowMapper<Client> MAPPER = (rs, ctx) -> new Client(
            rs.getString("client_id"), Rows.uuid(rs, "id"), rs.getBytes("secret_hash"),
            rs.getBytes("previous_secret_hash"), Rows.instant(rs, "previous_secret_expires_at"), rs.getString("name"),
            rs.getString("description"), rs.getString("homepage_url"), Rows.uuid(rs, "owner_org_id"),
            Rows.texts(rs, "redirect_uris"), Rows.texts(rs, "post_logout_redirect_uris"), Rows.texts(rs, "grant_types"),
            Rows.texts(rs, "scopes"),
            Rows.texts(rs, "approved_scopes"), Rows.texts(rs, "allowed_scopes"), Rows.texts(rs, "approved_grant_types"),
            rs.getBoolean("confidential"), Rows.texts(rs, "actor_modes"),
            rs.getString("access_token_format"), rs.getString("access_token_signing_alg"),
            rs.getString("access_token_jwt_typ"), rs.getString("id_token_signed_response_alg"), rs.getInt("access_token_ttl"),
            rs.getBoolean("refresh_token_rotation"),
            rs.getInt("refresh_token_grace_seconds"), Rows.integerOrNull(rs, "refresh_token_ttl"),
            rs.getString("webhook_url"), Rows.texts(rs, "webhook_events"), rs.getBoolean("resource_server"),
            rs.getBoolean("require_pushed_authorization_requests"), rs.getBoolean("dpop_bound_access_tokens"),
            new Client.Authentication(rs.getString("token_endpoint_auth_method"), rs.getString("jwks"),
                    rs.getString("jwks_uri"), rs.getString("secret_sealed")), rs.getString("resource"),
            new Client.Vault(VaultAccessJson.read(rs.getString("vault_access")),
                    VaultAccessJson.read(rs.getString("approved_vault_access"))),
            Rows.uuid(rs, "created_by"), Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));
    private static final String COLUMNS = """
            client_id, id, secret_hash, previous_secret_hash, previous_secret_expires_at, name, description,
            homepage_url, owner_org_id, redirect_uris, post_logout_redirect_uris, grant_types, scopes, approved_scopes,
            approved_grant_types,
            confidential, actor_modes, access_token_format, access_token_signing_alg, access_token_jwt_typ,
            id_token_signed_response_alg,
            access_token_ttl, refresh_token_rotation,
            refresh_token_grace_seconds, refresh_token_ttl, webhook_url, webhook_events, resource_server,
            require_pushed_authorization_requests, dpop_bound_access_tokens, token_endpoint_auth_method, jwks, jwks_uri,
            secret_sealed, resource, vault_access, approved_vault_access,
            created_by, created_at, updated_at""";
    /** What is read: the stored columns and the scopes the app may use now (requested ∩ (unrestricted ∪ approved)). */
    private static final String SELECTED = COLUMNS + ", client_allowed_scopes(scopes, approved_scopes) AS allowed_scopes";

    /** Tells every node's {@link ClientCache} that the app changed; delivered when the transaction commits. */
    public void notifyChanged(Handle handle, String clientId) {
        ClientCache.announce(handle, clientId);
    }

    public void insert(Handle handle, Client client) {
        bindClient(handle.createUpdate("INSERT INTO clients (" + COLUMNS + ") VALUES ("
                + COLUMNS.replaceAll("\\s+", "").replaceAll("([a-z_]+)", ":$1") + ")"), client)
                .execute();
    }

    /** The app that registered {@code resource} as its identifier (RFC 8707), if any. */
    public Optional<Client> findByResource(Handle handle, String resource) {
        return handle.createQuery("SELECT " + SELECTED + " FROM clients WHERE resource = :resource")
                .bind("resource", resource)
                .map(MAPPER)
                .findOne();
    }

    public Optional<Client> find(Handle handle, String clientId) {
        return handle.createQuery("SELECT " + SELECTED + " FROM clients WHERE client_id = :clientId")
                .bind("clientId", clientId)
                .map(MAPPER)
                .findOne();
    }

    /** The app, row-locked until the transaction ends (changes to it are serialized). */
    public Optional<Client> lock(Handle handle, String clientId) {
        return handle.createQuery("SELECT " + SELECTED + " FROM clients WHERE client_id = :clientId FOR UPDATE")
                .bind("clientId", clientId)
                .map(MAPPER)
                .findOne();
    }

    /** Stores the app's approvals: the only writer of approved_scopes and approved_grant_types after creation. */
    public void updateApprovals(Handle handle, String clientId, List<String> scopes, List<String> grantTypes,
                                Instant now) {
        handle.createUpdate("""
                        UPDATE clients SET approved_scopes = :scopes, approved_grant_types = :grantTypes, updated_at = :now
                        WHERE client_id = :clientId""")
                .bind("clientId", clientId)
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("grantTypes", grantTypes.toArray(String[]::new))
                .bind("now", now)
                .execute();
    }

    /** The vault access rules the app asks for, after an admin refused one (approvals are untouched). */
    public void updateRequestedVaultAccess(Handle handle, String clientId, List<VaultAccess> requested, Instant now) {
        handle.createUpdate("UPDATE clients SET vault_access = :requested, updated_at = :now WHERE client_id = :clientId")
                .bind("clientId", clientId).bind("requested", VaultAccessJson.write(requested)).bind("now", now).execute();
    }

    /** The vault access rules a platform admin approved of the app. */
    public void updateApprovedVaultAccess(Handle handle, String clientId, List<VaultAccess> approved, Instant now) {
        handle.createUpdate("UPDATE clients SET approved_vault_access = :approved, updated_at = :now WHERE client_id = :clientId")
                .bind("clientId", clientId).bind("approved", VaultAccessJson.write(approved)).bind("now", now).execute();
    }

    /** What the app asks for, after an admin refused part of it (approvals are untouched). */
    public void updateRequested(Handle handle, String clientId, List<String> scopes, List<String> grantTypes, Instant now) {
        handle.createUpdate("""
                        UPDATE clients SET scopes = :scopes, grant_types = :grantTypes, updated_at = :now
                        WHERE client_id = :clientId""")
                .bind("clientId", clientId)
                .bind("scopes", scopes.toArray(String[]::new))
                .bind("grantTypes", grantTypes.toArray(String[]::new))
                .bind("now", now)
                .execute();
    }

    /**
     * Replaces every mutable column of the app (not its secrets, owner, creation facts, or approvals:
     * those change only through {@link #updateApprovals}).
     */
    public void update(Handle handle, Client client) {
        bindClient(handle.createUpdate("""
                        UPDATE clients SET name = :name, description = :description, homepage_url = :homepage_url,
                            redirect_uris = :redirect_uris, post_logout_redirect_uris = :post_logout_redirect_uris,
                            grant_types = :grant_types, scopes = :scopes,
                            actor_modes = :actor_modes,
                            access_token_format = :access_token_format,
                            access_token_signing_alg = :access_token_signing_alg,
                            access_token_jwt_typ = :access_token_jwt_typ,
                            id_token_signed_response_alg = :id_token_signed_response_alg, access_token_ttl = :access_token_ttl,
                            refresh_token_rotation = :refresh_token_rotation,
                            refresh_token_grace_seconds = :refresh_token_grace_seconds,
                            refresh_token_ttl = :refresh_token_ttl, webhook_url = :webhook_url,
                            webhook_events = :webhook_events, resource_server = :resource_server,
                            require_pushed_authorization_requests = :require_pushed_authorization_requests,
                            dpop_bound_access_tokens = :dpop_bound_access_tokens,
                            token_endpoint_auth_method = :token_endpoint_auth_method, jwks = :jwks, jwks_uri = :jwks_uri,
                            secret_sealed = CASE WHEN CAST(:token_endpoint_auth_method AS text) = 'client_secret_jwt'
                                THEN secret_sealed END, resource = :resource, vault_access = :vault_access,
                            updated_at = :updated_at
                        WHERE client_id = :client_id"""), client)
                .execute();
    }

    /** {@code sealed}: the new secret encrypted, for an app using client_secret_jwt; else null. */
    public void replaceSecret(Handle handle, String clientId, byte[] newHash, byte[] previousHash,
                              Instant previousExpiresAt, String sealed, Instant now) {
        handle.createUpdate("""
                        UPDATE clients SET secret_hash = :newHash, previous_secret_hash = :previousHash,
                            previous_secret_expires_at = :previousExpiresAt, secret_sealed = :sealed, updated_at = :now
                        WHERE client_id = :clientId""")
                .bind("sealed", sealed)
                .bind("clientId", clientId)
                .bind("newHash", newHash)
                .bind("previousHash", previousHash)
                .bind("previousExpiresAt", previousExpiresAt)
                .bind("now", now)
                .execute();
    }

    public boolean delete(Handle handle, String clientId) {
        return handle.createUpdate("DELETE FROM clients WHERE client_id = :clientId")
                .bind("clientId", clientId)
                .execute() == 1;
    }

    /** Waiting for an admin: a requested scope it may not use (restricted, unapproved), or an unapproved password grant. */
    private static final String PENDING = " AND (NOT :pending"
            + " OR cardinality(client_allowed_scopes(scopes, approved_scopes)) < cardinality(scopes)"
            + " OR ('password' = ANY (grant_types) AND NOT 'password' = ANY (approved_grant_types))"
            + " OR EXISTS (SELECT 1 FROM jsonb_array_elements(CAST(vault_access AS jsonb)) r"
            + "            WHERE NOT CAST(approved_vault_access AS jsonb) @> jsonb_build_array(r)))";

    public List<Client> listAll(Handle handle, boolean pending, PageRequest page) {
        return handle.createQuery("SELECT " + SELECTED + " FROM clients WHERE id > :after" + PENDING
                        + " ORDER BY id LIMIT :limit")
                .bind("pending", pending)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    /** Apps owned by organizations the user belongs to. */
    public List<Client> listForMember(Handle handle, UUID userId, boolean pending, PageRequest page) {
        return handle.createQuery("SELECT " + SELECTED + """
                         FROM clients WHERE owner_org_id IN (SELECT organization_id FROM memberships WHERE user_id = :userId)
                        AND id > :after""" + PENDING + " ORDER BY id LIMIT :limit")
                .bind("pending", pending)
                .bind("userId", userId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    private static <S extends SqlStatement<S>> S bindClient(S statement, Client c) {
        return statement
                .bind("client_id", c.clientId())
                .bind("id", c.id())
                .bind("secret_hash", c.secretHash())
                .bind("previous_secret_hash", c.previousSecretHash())
                .bind("previous_secret_expires_at", c.previousSecretExpiresAt())
                .bind("name", c.name())
                .bind("description", c.description())
                .bind("homepage_url", c.homepageUrl())
                .bind("owner_org_id", c.ownerOrgId())
                .bind("redirect_uris", c.redirectUris().toArray(String[]::new))
                .bind("post_logout_redirect_uris", c.postLogoutRedirectUris().toArray(String[]::new))
                .bind("grant_types", c.grantTypes().toArray(String[]::new))
                .bind("scopes", c.scopes().toArray(String[]::new))
                .bind("approved_scopes", c.approvedScopes().toArray(String[]::new))
                .bind("approved_grant_types", c.approvedGrantTypes().toArray(String[]::new))
                .bind("confidential", c.confidential())
                .bind("actor_modes", c.actorModes().toArray(String[]::new))
                .bind("access_token_format", c.accessTokenFormat())
                .bind("access_token_signing_alg", c.accessTokenSigningAlg())
                .bind("access_token_jwt_typ", c.accessTokenJwtTyp())
                .bind("id_token_signed_response_alg", c.idTokenSignedResponseAlg())
                .bind("access_token_ttl", c.accessTokenTtl())
                .bind("refresh_token_rotation", c.refreshTokenRotation())
                .bind("refresh_token_grace_seconds", c.refreshTokenGraceSeconds())
                .bind("refresh_token_ttl", c.refreshTokenTtl())
                .bind("webhook_url", c.webhookUrl())
                .bind("webhook_events", c.webhookEvents().toArray(String[]::new))
                .bind("resource_server", c.resourceServer())
                .bind("require_pushed_authorization_requests", c.requirePushedAuthorizationRequests())
                .bind("dpop_bound_access_tokens", c.dpopBoundAccessTokens())
                .bind("token_endpoint_auth_method", c.authentication().method())
                .bind("jwks", c.authentication().jwksJson())
                .bind("jwks_uri", c.authentication().jwksUri())
                .bind("secret_sealed", c.authentication().sealedSecret())
                .bind("resource", c.resource())
                .bind("vault_access", VaultAccessJson.write(c.vault().requested()))
                .bind("approved_vault_access", VaultAccessJson.write(c.vault().approved()))
                .bind("created_by", c.createdBy())
                .bind("created_at", c.createdAt())
                .bind("updated_at", c.updatedAt());
    }
}
