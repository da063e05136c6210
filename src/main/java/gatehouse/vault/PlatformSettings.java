package gatehouse.vault;

import java.util.List;

/**
 * The providers' settings from GATEHOUSE_GITHUB_*, GATEHOUSE_JIRA_*, GATEHOUSE_SLACK_* (docs/http.md, "The vault").
 * A platform (or GitHub flavour) is configured when its client ID (GitHub App: app ID) is set; the
 * records are null otherwise. Secrets stay out of toString.
 */
public final class PlatformSettings {
    private PlatformSettings() {
    }

    public record GitHubOAuth(String clientId, String clientSecret, List<String> scopes, String webUrl, String apiUrl) {
        @Override
        public String toString() {
            return "GitHubOAuth[clientId=" + clientId + ", scopes=" + scopes + ", webUrl=" + webUrl + ", apiUrl=" + apiUrl + "]";
        }
    }

    /**
     * {@code privateKeyPem}: PKCS#1 or PKCS#8 PEM text of the app's RSA key. {@code clientId} and
     * {@code clientSecret} are the App's own OAuth credentials: the install callback's code is
     * exchanged with them to prove which installations the installing user can reach.
     */
    public record GitHubApp(String appId, String slug, String privateKeyPem, String clientId, String clientSecret,
                            String webUrl, String apiUrl) {
        @Override
        public String toString() {
            return "GitHubApp[appId=" + appId + ", slug=" + slug + ", clientId=" + clientId + ", webUrl=" + webUrl
                    + ", apiUrl=" + apiUrl + "]";
        }
    }

    public record Jira(String clientId, String clientSecret, List<String> scopes, String authUrl, String apiUrl) {
        @Override
        public String toString() {
            return "Jira[clientId=" + clientId + ", scopes=" + scopes + ", authUrl=" + authUrl + ", apiUrl=" + apiUrl + "]";
        }
    }

    public record Slack(String clientId, String clientSecret, List<String> scopes, List<String> userScopes,
                        String webUrl, String apiUrl) {
        @Override
        public String toString() {
            return "Slack[clientId=" + clientId + ", scopes=" + scopes + ", userScopes=" + userScopes + ", webUrl="
                    + webUrl + ", apiUrl=" + apiUrl + "]";
        }
    }

    /**
     * A provider described by a definition (docs/vault-definitions.md), from GATEHOUSE_<NAME>_CLIENT_ID,
     * _CLIENT_SECRET, _SCOPES; {@code bases} are the definition's, or GATEHOUSE_<NAME>_AUTH_URL and _API_URL.
     */
    public record Defined(ProviderDefinition definition, String clientId, String clientSecret, List<String> scopes,
                          ProviderDefinition.Bases bases, boolean allowHttp) {
        @Override
        public String toString() {
            return "Defined[" + definition.name() + ", clientId=" + clientId + ", scopes=" + scopes + ", bases=" + bases + "]";
        }
    }
}
