package gatehouse.oauth;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The model of consent.jte. */
public record ConsentPage(
        String clientName,
        String ownerOrgName,
        String actor,
        String username,
        List<ScopeItem> scopes,
        List<OrgOption> organizations,
        Map<String, String> hiddenFields,
        String csrfToken) {

    public record ScopeItem(String name, String description) {
    }

    public record OrgOption(UUID id, String name, boolean selected) {
    }
}
