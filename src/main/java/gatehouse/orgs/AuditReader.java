package gatehouse.orgs;

import gatehouse.audit.AuditEntry;
import gatehouse.audit.AuditLog;
import gatehouse.auth.ActorMode;
import gatehouse.auth.Caller;
import gatehouse.errors.OAuthException;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import java.util.List;
import java.util.UUID;

/**
 * Reading the audit log, for the API and the console alike: platform admins see every entry; an
 * organization's owners and admins see their organizations' entries only; nobody else sees any.
 */
public final class AuditReader {
    private final AuditLog audit;
    private final OrgService orgs;

    public AuditReader(AuditLog audit, OrgService orgs) {
        this.audit = audit;
        this.orgs = orgs;
    }

    public Page<AuditEntry> find(Caller caller, AuditLog.Query query, PageRequest page) {
        return audit.find(query, visibleOrganizations(caller, query.organizationId()), page);
    }

    /** Null for platform admins (everything); otherwise the organizations the caller administers. */
    private List<UUID> visibleOrganizations(Caller caller, UUID requested) {
        if (caller.isPlatformAdmin()) {
            return null;
        }
        List<UUID> administered = caller.userId() == null || !caller.mayManage() ? List.of()
                : orgs.eligibleFor(caller.userId(), ActorMode.APP.value()).stream().map(Organization::id).toList();
        if (administered.isEmpty() || (requested != null && !administered.contains(requested))) {
            throw OAuthException.forbidden("only admins, and organization owners and admins for their organization, "
                    + "may read the audit log");
        }
        return administered;
    }
}
