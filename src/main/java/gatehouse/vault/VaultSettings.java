package gatehouse.vault;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The integration token vault (docs/http.md, "The vault"): each provider's settings (null when not configured),
 * the URL prefixes allowed as {@code return_to}, how early tokens are refreshed, the provider
 * definitions with their resolved bases, the configured defined providers, and how often credentials are checked.
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
                    Duration checkInterval) {
    public VaultSettings {
        definitions = Map.copyOf(definitions);
        bases = Map.copyOf(bases);
        defined = List.copyOf(defined);
    }
}
