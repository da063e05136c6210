package gatehouse.vault;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The integration token vault (docs/http.md, "The vault"): each provider's settings (null when not configured),
 * the URL prefixes allowed as {@code return_to}, how early tokens are refreshed, the provider
 * definitions with their resolved bases, the configured defined providers, how often credentials are checked,
 * and the secrets that sign the providers' webhooks (null: not configured). Secrets stay out of toString.
 */
public record VaultSettings(PlatformSettings.GitHubOAuth githubOAuth,
                    PlatformSettings.GitHubApp githubApp,
                    PlatformSettings.Jira jira,
                    PlatformSettings.Slack slack,
                    List<String> returnUrls,
                    Duration refreshSkew,
                    boolean allowHttp,
                    Map<String, ProviderDefinition> definitions,
                    Map<String, ProviderDefinition.Bases> bases,
                    List<PlatformSettings.Defined> defined,
                    Duration checkInterval,
                    String githubWebhookSecret,
                    String slackSigningSecret) {
    public VaultSettings {
        definitions = Map.copyOf(definitions);
        bases = Map.copyOf(bases);
        defined = List.copyOf(defined);
    }

    @Override
    public String toString() {
        return "VaultSettings[githubOAuth=" + githubOAuth + ", githubApp=" + githubApp + ", jira=" + jira + ", slack=" + slack
                + ", returnUrls=" + returnUrls + ", refreshSkew=" + refreshSkew + ", allowHttp=" + allowHttp
                + ", definitions=" + definitions.keySet() + ", defined=" + defined + ", checkInterval=" + checkInterval
                + ", githubWebhooks=" + (githubWebhookSecret != null) + ", slackEvents=" + (slackSigningSecret != null) + "]";
    }
}
