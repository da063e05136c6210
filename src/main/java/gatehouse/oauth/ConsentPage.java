package gatehouse.oauth;

import gatehouse.clients.VaultAccess;
import gatehouse.auth.Caller;
import gatehouse.orgs.OrgService;
import gatehouse.orgs.Organization;
import gatehouse.scopes.Scope;
import gatehouse.scopes.ScopeService;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The model of consent.jte: the authorization endpoint's consent step, and the device page's
 * ({@code userCode} set: the user compares it with the one on the device before approving).
 */
public record ConsentPage(
        String clientName,
        String ownerOrgName,
        String actor,
        String username,
        List<ScopeItem> scopes,
        List<OrgOption> organizations,
        Map<String, String> hiddenFields,
        String csrfToken,
        String formAction,
        String userCode,
        String resource,
        List<String> vaultAccess) {

    public record ScopeItem(String name, String description) {
    }

    public record OrgOption(UUID id, String name, boolean selected) {
    }

    /**
     * The page for {@code request}: its scopes in the catalog's words, the organizations the user may
     * choose ({@code preselected} chosen), and the form's hidden fields, posted to {@code formAction}.
     */
    static ConsentPage of(ScopeService scopes, OrgService orgs, AuthorizationRequest request, Caller caller,
                          List<Organization> eligible, UUID preselected, Map<String, String> hidden, String formAction,
                          String userCode) {
        Map<String, Scope> catalog = scopes.lookup(request.scopes());
        List<ScopeItem> items = request.scopes().stream()
                .map(name -> new ScopeItem(name, catalog.containsKey(name) ? catalog.get(name).description() : ""))
                .toList();
        List<OrgOption> options = eligible.stream()
                .map(org -> new OrgOption(org.id(), org.name(), org.id().equals(preselected)))
                .toList();
        String ownerOrg = request.client().ownerOrgId() == null ? null
                : orgs.findName(request.client().ownerOrgId()).orElse(null);
        return new ConsentPage(request.client().name(), ownerOrg, request.actor(), caller.username(), items, options,
                hidden, caller.csrfToken(), formAction, userCode, request.resource(), List.of());
    }

    /**
     * The page offering {@code rules} (the app's approved vault access) in plain words, one line per
     * rule: "read GET /repos/{owner}/{repo}/issues in this organization's GitHub".
     */
    ConsentPage offeringVaultAccess(List<VaultAccess> rules, Function<String, String> platformLabels) {
        List<String> lines = rules.stream().map(rule -> (rule.methods().stream().allMatch(VaultAccess::reads)
                ? "read " : "read and change ") + String.join(", ", rule.paths()) + " (" + String.join(", ", rule.methods())
                + ") in this organization's " + platformLabels.apply(rule.platform())).toList();
        return new ConsentPage(clientName, ownerOrgName, actor, username, scopes, organizations, hiddenFields, csrfToken,
                formAction, userCode, resource, lines);
    }
}
