package gatehouse.vault;

import java.util.List;

/**
 * What a completed flow yields: one credential and the external accounts it reaches — one GitHub
 * organization or user, one Slack workspace (or Enterprise Grid org), or every Jira site of the
 * grant (each becomes its own connection sharing the credential).
 */
public record Authorization(Credential credential, List<ExternalAccount> accounts) {
    public Authorization {
        accounts = List.copyOf(accounts);
    }

    /**
     * An account at the provider. {@code externalId} is the stable ID a lookup uses (GitHub
     * account id, Slack team or enterprise id = workspace_id, Jira cloud id = site_id).
     * {@code parentId} is the account that contains it, when one can be connected as a whole too
     * (a Slack workspace's Enterprise Grid); null otherwise.
     */
    public record ExternalAccount(String externalId, String externalName, String parentId) {
        public ExternalAccount(String externalId, String externalName) {
            this(externalId, externalName, null);
        }
    }
}
