package gatehouse.clients;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.errors.OAuthException;
import gatehouse.scopes.Scope;
import gatehouse.scopes.ScopeService;
import gatehouse.store.Database;
import gatehouse.tokens.TokenService;
import gatehouse.auth.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;

/**
 * Approval of an app's restricted capabilities (docs/http.md, "The management API"), an explicit act of a platform admin:
 * restricted scopes ({@code approved_scopes}) and restricted grant types ({@code approved_grant_types},
 * the password grant). After the app is created nothing else changes them. Every change is audited,
 * and a withdrawal takes effect at once, in its transaction: the app's live access tokens carrying a
 * scope it may no longer use are revoked, and withdrawing the password grant ends the sign-ins made
 * with it.
 */
public final class ClientApprovals {
    public static final String SCOPES_APPROVED = "client.scopes_approved";
    public static final String SCOPES_WITHDRAWN = "client.scopes_withdrawn";
    public static final String GRANT_TYPES_APPROVED = "client.grant_types_approved";
    public static final String GRANT_TYPES_WITHDRAWN = "client.grant_types_withdrawn";
    public static final String SCOPES_REFUSED = "client.scopes_refused";
    public static final String GRANT_TYPES_REFUSED = "client.grant_types_refused";
    public static final String VAULT_ACCESS_APPROVED = "client.vault_access_approved";
    public static final String VAULT_ACCESS_REFUSED = "client.vault_access_refused";

    private final Database database;
    private final ClientRepository clients;
    private final ClientService service;
    private final ScopeService scopes;
    private final TokenService tokens;
    private final AuditLog audit;
    private final Clock clock;

    public ClientApprovals(Database database, ClientRepository clients, ClientService service, ScopeService scopes,
                           TokenService tokens, AuditLog audit, Clock clock) {
        this.database = database;
        this.clients = clients;
        this.service = service;
        this.scopes = scopes;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    /** Adds approvals: every scope named must exist and be restricted, every grant type be a restricted one. */
    public Client approve(Caller caller, String clientId, List<String> scopeNames, List<String> grantTypes) {
        requireAdmin(caller, clientId);
        List<String> wantedScopes = distinct(scopeNames);
        List<String> wantedGrantTypes = distinct(grantTypes);
        if (wantedScopes.isEmpty() && wantedGrantTypes.isEmpty()) {
            throw OAuthException.validation("name at least one restricted scope (scopes), grant type (grant_types) or vault_access rule");
        }
        requireRestrictedScopes(wantedScopes);
        requireRestrictedGrantTypes(wantedGrantTypes);
        return change(caller, clientId, current -> current.withApprovals(union(current.approvedScopes(), wantedScopes),
                union(current.approvedGrantTypes(), wantedGrantTypes)));
    }

    /** The app, for a platform admin (404 for someone who cannot see it, 403 for anyone else who can). */
    public Client get(Caller caller, String clientId) {
        requireAdmin(caller, clientId);
        return service.get(caller, clientId);
    }

    /**
     * Approves vault access rules the app asks for (docs/vault-proxy.md, "Brokered access"): each
     * must be one of its requested rules, whole; approving replaces nothing already approved.
     */
    public Client approveVaultAccess(Caller caller, String clientId, List<VaultAccess> rules) {
        if (rules.isEmpty()) {
            throw OAuthException.validation("vault_access: name at least one rule the app asks for");
        }
        return changeVaultAccess(caller, clientId, VAULT_ACCESS_APPROVED, (handle, before) -> {
            for (VaultAccess rule : rules) {
                if (!before.vault().requested().contains(rule)) {
                    throw OAuthException.validation("vault_access: the app does not ask for " + rule.platform() + " "
                            + rule.plainWords() + "; approve its rules as it registered them");
                }
            }
            List<VaultAccess> approved = new ArrayList<>(before.vault().approved());
            rules.stream().filter(rule -> !approved.contains(rule)).forEach(approved::add);
            clients.updateApprovedVaultAccess(handle, clientId, approved, clock.instant());
            return rules;
        });
    }

    /** Refuses vault access rules the app asks for: they leave its registration, as refused scopes do. */
    public Client refuseVaultAccess(Caller caller, String clientId, List<VaultAccess> rules) {
        return changeVaultAccess(caller, clientId, VAULT_ACCESS_REFUSED, (handle, before) -> {
            List<VaultAccess> refused = rules.stream().filter(rule -> before.vault().requested().contains(rule)).toList();
            if (refused.isEmpty()) {
                throw OAuthException.validation("vault_access: name rules the app asks for");
            }
            List<VaultAccess> left = before.vault().requested().stream().filter(rule -> !refused.contains(rule)).toList();
            clients.updateRequestedVaultAccess(handle, clientId, left, clock.instant());
            return refused;
        });
    }

    /**
     * One decision on an app's vault access, by a platform admin, in one transaction with the app
     * locked: {@code decision} writes it and returns the rules it concerned, which are audited as
     * {@code action}; every node forgets the app.
     */
    private Client changeVaultAccess(Caller caller, String clientId, String action,
                                     BiFunction<Handle, Client, List<VaultAccess>> decision) {
        requireAdmin(caller, clientId);
        Client after = database.inTransaction(handle -> {
            Client before = clients.lock(handle, clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
            List<VaultAccess> decided = decision.apply(handle, before);
            audit.record(handle, caller.auditActor(), AuditLog.Event.of(action).client(clientId)
                    .organization(before.ownerOrgId()).details(Map.of("vault_access", decided)));
            clients.notifyChanged(handle, clientId);
            return clients.find(handle, clientId).orElseThrow();
        });
        service.forget(clientId);
        return after;
    }

    /** Withdraws one approved scope; not_found when it is not approved for the app. */
    public Client withdrawScope(Caller caller, String clientId, String scope) {
        requireAdmin(caller, clientId);
        return change(caller, clientId, current -> {
            if (!current.approvedScopes().contains(scope)) {
                throw OAuthException.notFound("scope " + scope + " is not approved for this app");
            }
            return current.withApprovals(without(current.approvedScopes(), scope), current.approvedGrantTypes());
        });
    }

    /** Withdraws one approved grant type; not_found when it is not approved for the app. */
    public Client withdrawGrantType(Caller caller, String clientId, String grantType) {
        requireAdmin(caller, clientId);
        return change(caller, clientId, current -> {
            if (!current.approvedGrantTypes().contains(grantType)) {
                throw OAuthException.notFound("grant type " + grantType + " is not approved for this app");
            }
            return current.withApprovals(current.approvedScopes(), without(current.approvedGrantTypes(), grantType));
        });
    }

    /**
     * Refuses part of an app's pending request: the scopes (or restricted grant types) leave what the
     * app asks for, so it stops waiting for them; audited as {@code client.scopes_refused} (and
     * {@code client.grant_types_refused}). Only what is pending can be refused. A refresh_token grant
     * left with nothing to refresh goes too; refusing the app's only grant type is a conflict.
     */
    public Client refuse(Caller caller, String clientId, List<String> scopeNames, List<String> grantTypes) {
        requireAdmin(caller, clientId);
        List<String> refusedScopes = distinct(scopeNames);
        List<String> refusedGrantTypes = distinct(grantTypes);
        if (refusedScopes.isEmpty() && refusedGrantTypes.isEmpty()) {
            throw OAuthException.validation("name at least one pending scope (scopes) or grant type (grant_types)");
        }
        Instant now = clock.instant();
        Client after = database.inTransaction(handle -> {
            Client before = clients.lock(handle, clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
            for (String scope : refusedScopes) {
                if (!before.pendingScopes().contains(scope)) {
                    throw OAuthException.validation("scopes: " + scope + " is not waiting for approval for this app");
                }
            }
            for (String grantType : refusedGrantTypes) {
                if (!before.pendingGrantTypes().contains(grantType)) {
                    throw OAuthException.validation("grant_types: " + grantType + " is not waiting for approval for this app");
                }
            }
            List<String> grants = new ArrayList<>(before.grantTypes());
            grants.removeAll(refusedGrantTypes);
            if (!grants.contains(Client.AUTHORIZATION_CODE) && !grants.contains(Client.PASSWORD)) {
                grants.remove(Client.REFRESH_TOKEN);
            }
            if (grants.isEmpty()) {
                throw OAuthException.conflict("refusing this leaves the app no grant type; delete the app instead");
            }
            List<String> scopes = new ArrayList<>(before.scopes());
            scopes.removeAll(refusedScopes);
            clients.updateRequested(handle, clientId, scopes, grants, now);
            Client stored = clients.find(handle, clientId).orElseThrow();
            // What left the request, including a refresh_token grant that had nothing left to refresh.
            List<String> droppedGrantTypes = added(grants, before.grantTypes());
            record(audit, handle, caller.auditActor(), stored, SCOPES_REFUSED, "scopes", refusedScopes, Map.of());
            record(audit, handle, caller.auditActor(), stored, GRANT_TYPES_REFUSED, "grant_types", droppedGrantTypes, Map.of());
            clients.notifyChanged(handle, clientId);
            return stored;
        });
        service.forget(clientId);
        return after;
    }

    /** The restricted grant types among {@code grantTypes}. */
    static List<String> restrictedGrantTypesAmong(List<String> grantTypes) {
        return grantTypes.stream().filter(Client.RESTRICTED_GRANT_TYPES::contains).toList();
    }

    /** Audits approvals given (at creation, or by {@link #approve}): one entry per kind, when any. */
    static void recordApproved(AuditLog audit, Handle handle, Actor actor, Client client, List<String> scopes,
                               List<String> grantTypes) {
        record(audit, handle, actor, client, SCOPES_APPROVED, "scopes", scopes, Map.of());
        record(audit, handle, actor, client, GRANT_TYPES_APPROVED, "grant_types", grantTypes, Map.of());
    }

    /**
     * Locks the app, applies {@code approvals} to it, stores the result and carries out what changed:
     * audit entries, and revocation of what the app may no longer use. Every node forgets the app.
     */
    private Client change(Caller caller, String clientId, UnaryOperator<Client> approvals) {
        Instant now = clock.instant();
        Client after = database.inTransaction(handle -> {
            Client before = clients.lock(handle, clientId).orElseThrow(() -> OAuthException.notFound("no such app"));
            Client wanted = approvals.apply(before);
            clients.updateApprovals(handle, clientId, wanted.approvedScopes(), wanted.approvedGrantTypes(), now);
            Client stored = clients.find(handle, clientId).orElseThrow();
            carryOut(handle, caller.auditActor(), before, stored, now);
            clients.notifyChanged(handle, clientId);
            return stored;
        });
        service.forget(clientId);
        return after;
    }

    private void carryOut(Handle handle, Actor actor, Client before, Client after, Instant now) {
        recordApproved(audit, handle, actor, after, added(before.approvedScopes(), after.approvedScopes()),
                added(before.approvedGrantTypes(), after.approvedGrantTypes()));
        List<String> withdrawnScopes = added(after.approvedScopes(), before.approvedScopes());
        if (!withdrawnScopes.isEmpty()) {
            int revoked = revokeNoLongerAllowed(tokens, handle, before, after, now);
            record(audit, handle, actor, after, SCOPES_WITHDRAWN, "scopes", withdrawnScopes,
                    Map.of("tokens_revoked", revoked));
        }
        List<String> withdrawnGrantTypes = added(after.approvedGrantTypes(), before.approvedGrantTypes());
        for (String grantType : withdrawnGrantTypes) {
            int grants = tokens.revokeGrantsOfType(handle, after.clientId(), grantType);
            record(audit, handle, actor, after, GRANT_TYPES_WITHDRAWN, "grant_types", List.of(grantType),
                    Map.of("grants_revoked", grants));
        }
    }

    /**
     * Revokes the app's live access tokens carrying a scope that was allowed before a change and is
     * not after it, so a withdrawal takes effect at once; returns how many.
     */
    static int revokeNoLongerAllowed(TokenService tokens, Handle handle, Client before, Client after, Instant now) {
        return tokens.revokeCarryingScopes(handle, after.clientId(), added(after.allowedScopes(), before.allowedScopes()));
    }

    private static void record(AuditLog audit, Handle handle, Actor actor, Client client, String action, String key,
                               List<String> values, Map<String, Object> more) {
        if (values.isEmpty()) {
            return;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(key, values);
        details.putAll(more);
        audit.record(handle, actor, AuditLog.Event.of(action).client(client.clientId())
                .organization(client.ownerOrgId()).details(details));
    }

    /** Only platform admins approve; someone who cannot see the app learns nothing about it (404). */
    private void requireAdmin(Caller caller, String clientId) {
        service.get(caller, clientId);
        if (!caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only platform admins approve or withdraw restricted scopes and grant types");
        }
    }

    private void requireRestrictedScopes(List<String> names) {
        Map<String, Scope> catalog = scopes.lookup(names);
        for (String name : names) {
            Scope scope = catalog.get(name);
            if (scope == null) {
                throw OAuthException.validation("scope " + name + " does not exist");
            }
            if (!scope.restricted()) {
                throw OAuthException.validation("scope " + name + " is not restricted: every app requesting it may use it");
            }
        }
    }

    private static void requireRestrictedGrantTypes(List<String> grantTypes) {
        for (String grantType : grantTypes) {
            if (!Client.RESTRICTED_GRANT_TYPES.contains(grantType)) {
                throw OAuthException.validation("grant_types may name only restricted grant types "
                        + Client.RESTRICTED_GRANT_TYPES);
            }
        }
    }

    /** The items of {@code after} not in {@code before}, in order. */
    private static List<String> added(List<String> before, List<String> after) {
        return after.stream().filter(item -> !before.contains(item)).toList();
    }

    private static List<String> union(List<String> first, List<String> second) {
        LinkedHashSet<String> all = new LinkedHashSet<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    private static List<String> without(List<String> items, String item) {
        List<String> kept = new ArrayList<>(items);
        kept.remove(item);
        return kept;
    }

    private static List<String> distinct(List<String> items) {
        return items == null ? List.of() : List.copyOf(new LinkedHashSet<>(items));
    }
}
