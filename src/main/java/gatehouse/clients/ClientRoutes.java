package gatehouse.clients;

import com.fasterxml.jackson.databind.node.ObjectNode;
import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.web.Bodies;
import gatehouse.web.Json;
import gatehouse.web.JsonBody;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code /api/v1/oauth/clients}: registering and managing OAuth apps. */
public final class ClientRoutes {
    private static final Set<String> MEMBERS = Set.of("name", "description", "homepage_url", "owner_org_id",
            "redirect_uris", "post_logout_redirect_uris", "grant_types", "scope", "confidential", "actor_modes",
            "access_token_format", "access_token_jwt_typ", "id_token_signed_response_alg",
            "access_token_signing_alg", "access_token_ttl", "refresh_token_rotation", "refresh_token_grace_seconds", "refresh_token_ttl",
            "webhook_url", "webhook_events", "resource_server", "require_pushed_authorization_requests",
            "dpop_bound_access_tokens", "token_endpoint_auth_method", "jwks", "jwks_uri", "resource", "vault_access");

    private final ClientService clients;
    private final ClientApprovals approvals;
    private final CallerSource callers;

    public ClientRoutes(ClientService clients, ClientApprovals approvals, CallerSource callers) {
        this.clients = clients;
        this.approvals = approvals;
        this.callers = callers;
    }

    public void create(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        var registered = clients.create(caller, spec(Bodies.json(ctx)));
        // webhook_secret: shown this once, like client_secret (docs/http.md, "Conventions").
        var view = Json.MAPPER.<ObjectNode>valueToTree(
                registered.client().view(registered.secret()));
        view.put("webhook_secret", registered.webhookSecret());
        Responses.created(Responses.noStore(ctx), view);
    }

    public void list(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        var page = Bodies.page(ctx);
        boolean pending = Bodies.queryFlag(ctx, "pending_approval");
        Responses.ok(ctx, clients.list(caller, pending, page).map(client -> client.view(null)));
    }

    public void get(Context ctx) {
        Responses.ok(ctx, clients.get(callers.requireManager(ctx), ctx.pathParam("client_id")).view(null));
    }

    public void update(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        Responses.ok(ctx, clients.update(caller, ctx.pathParam("client_id"), spec(Bodies.json(ctx))).view(null));
    }

    public void delete(Context ctx) {
        clients.delete(callers.requireManager(ctx), ctx.pathParam("client_id"));
        Responses.noContent(ctx);
    }

    /** POST /api/v1/oauth/clients/{client_id}/secret — the body (optional) may carry grace_seconds. */
    public void rotateSecret(Context ctx) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = ctx.req().getContentLengthLong() == 0 ? JsonBody.empty() : Bodies.json(ctx);
        Integer grace = body.integer("grace_seconds", 0, ClientService.MAX_SECRET_GRACE_SECONDS);
        var rotated = clients.rotateSecret(caller, ctx.pathParam("client_id"), grace);
        Responses.ok(Responses.noStore(ctx), rotated.client().view(rotated.secret()));
    }

    /**
     * POST /api/v1/oauth/clients/{client_id}/approvals {"scopes": [...], "grant_types": [...],
     * "vault_access": [...]} (admins).
     */
    public void approve(Context ctx) {
        decide(ctx, approvals::approve, approvals::approveVaultAccess);
    }

    /** POST /api/v1/oauth/clients/{client_id}/refusals {"scopes": [...], "grant_types": [...], "vault_access": [...]} (admins). */
    public void refuse(Context ctx) {
        decide(ctx, approvals::refuse, approvals::refuseVaultAccess);
    }

    /** The decisions an admin takes on an app: on scopes and grant types, on vault access rules. */
    private interface Decision {
        Client take(Caller caller, String clientId, List<String> scopes, List<String> grantTypes);
    }

    private interface VaultDecision {
        Client take(Caller caller, String clientId, List<VaultAccess> rules);
    }

    /** Decides on the scopes and grant types named, then on the vault access rules named (either may be absent). */
    private void decide(Context ctx, Decision onScopes, VaultDecision onVaultAccess) {
        Caller caller = callers.requireManager(ctx);
        JsonBody body = Bodies.json(ctx);
        String clientId = ctx.pathParam("client_id");
        List<String> scopes = body.strings("scopes", 100, 200);
        List<String> grantTypes = body.strings("grant_types", 10, 50);
        List<VaultAccess> vaultAccess = VaultAccess.fromJson(body.node("vault_access"));
        Client decided = scopes == null && grantTypes == null && vaultAccess != null
                ? approvals.get(caller, clientId) : onScopes.take(caller, clientId, scopes, grantTypes);
        if (vaultAccess != null) {
            decided = onVaultAccess.take(caller, clientId, vaultAccess);
        }
        Responses.ok(ctx, decided.view(null));
    }

    /** DELETE /api/v1/oauth/clients/{client_id}/approvals/{scope} (admins). */
    public void withdrawScope(Context ctx) {
        approvals.withdrawScope(callers.requireManager(ctx), ctx.pathParam("client_id"), ctx.pathParam("scope"));
        Responses.noContent(ctx);
    }

    /** DELETE /api/v1/oauth/clients/{client_id}/approvals/grant_types/{grant_type} (admins). */
    public void withdrawGrantType(Context ctx) {
        approvals.withdrawGrantType(callers.requireManager(ctx), ctx.pathParam("client_id"),
                ctx.pathParam("grant_type"));
        Responses.noContent(ctx);
    }

    private static ClientSpec spec(JsonBody body) {
        Set<String> present = MEMBERS.stream().filter(body::has).collect(Collectors.toSet());
        return new ClientSpec(present,
                body.string("name", ClientService.MAX_NAME + 1),
                body.string("description", ClientService.MAX_DESCRIPTION + 1),
                body.string("homepage_url", RedirectUris.MAX_LENGTH + 1),
                body.uuid("owner_org_id"),
                body.strings("redirect_uris", ClientService.MAX_REDIRECT_URIS, RedirectUris.MAX_LENGTH + 1),
                body.strings("post_logout_redirect_uris", ClientService.MAX_REDIRECT_URIS, RedirectUris.MAX_LENGTH + 1),
                body.strings("grant_types", 10, 50),
                body.string("scope", 4000),
                body.bool("confidential"),
                body.strings("actor_modes", 5, 10),
                body.string("access_token_format", 20),
                body.string("access_token_signing_alg", 20),
                body.string("access_token_jwt_typ", 20),
                body.string("id_token_signed_response_alg", 20),
                body.integer("access_token_ttl", Integer.MIN_VALUE, Integer.MAX_VALUE),
                body.bool("refresh_token_rotation"),
                body.integer("refresh_token_grace_seconds", Integer.MIN_VALUE, Integer.MAX_VALUE),
                body.integer("refresh_token_ttl", Integer.MIN_VALUE, Integer.MAX_VALUE),
                body.string("webhook_url", RedirectUris.MAX_LENGTH + 1),
                body.strings("webhook_events", 50, 100),
                body.bool("resource_server"),
                body.bool("require_pushed_authorization_requests"),
                body.bool("dpop_bound_access_tokens"),
                body.string("token_endpoint_auth_method", 30),
                body.node("jwks"),
                body.string("jwks_uri", WebhookUrls.MAX_LENGTH + 1),
                body.string("resource", ClientService.MAX_RESOURCE + 1),
                VaultAccess.fromJson(body.node("vault_access")));
    }
}
