package gatehouse.vault;

import java.time.Duration;
import java.util.List;

/**
 * The integration token vault (docs/http.md, "The vault"): each provider's settings (null when not configured),
 * the URL prefixes allowed as {@code return_to}, and how early tokens are refreshed.
 */
public record VaultSettings(PlatformSettings.GitHubOAuth githubOAuth,
                    PlatformSettings.GitHubApp githubApp,
                    PlatformSettings.Jira jira,
                    PlatformSettings.Slack slack,
                    List<String> returnUrls,
                    Duration refreshSkew,
                    boolean allowHttp) {
}
