package gatehouse.vault;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The providers this Gatehouse knows (one definition each, docs/vault-definitions.md) and the flows
 * configured for them, by name and kind (docs/http.md, "The vault": configured when the client or
 * app ID is set). GitHub, Jira and Slack run their flows in code; every other provider is a
 * {@link DefinedPlatform}.
 */
public final class Platforms {
    private final Map<String, ProviderDefinition> definitions;
    private final Map<String, ProviderDefinition.Bases> bases;
    private final Map<String, Platform> byKey = new LinkedHashMap<>();

    public Platforms(VaultSettings settings, ProviderHttp http, Clock clock) {
        this.definitions = settings.definitions();
        this.bases = settings.bases();
        if (settings.githubOAuth() != null) {
            add(new GitHubOAuthPlatform(settings.githubOAuth(), http, clock));
        }
        if (settings.githubApp() != null) {
            add(new GitHubAppPlatform(settings.githubApp(), http, clock));
        }
        if (settings.jira() != null) {
            add(new JiraPlatform(settings.jira(), settings.definitions().get(JiraPlatform.NAME), http, clock));
        }
        if (settings.slack() != null) {
            add(new SlackPlatform(settings.slack(), http, clock));
        }
        for (PlatformSettings.Defined defined : settings.defined()) {
            add(new DefinedPlatform(defined, http, clock));
        }
    }

    /** For tests and for providers added later: registers one more flow. */
    public void add(Platform platform) {
        byKey.put(platform.name() + "/" + platform.kind(), platform);
    }

    /** Every provider with a definition, configured or not, in the definitions' order. */
    public List<String> names() {
        return List.copyOf(definitions.keySet());
    }

    public boolean isKnown(String name) {
        return definitions.containsKey(name);
    }

    /** The definition of a known provider; unknown names are 404 with a clear message. */
    public ProviderDefinition definition(String name) {
        ProviderDefinition definition = definitions.get(name);
        if (definition == null) {
            throw OAuthException.notFound("unknown platform '" + name + "'");
        }
        return definition;
    }

    /** How a person names the provider: the definition's display name (GitHub's App flow is told apart). */
    public String label(String name, String kind) {
        ProviderDefinition definition = definitions.get(name);
        String label = definition == null ? name : definition.displayName();
        return "github".equals(name) && "app".equals(kind) ? label + " (GitHub App)" : label;
    }

    /** Where the proxy forwards a connection's calls: the definition's API base for its values and account. */
    public String apiBase(Connection connection, Credential credential) {
        ProviderDefinition definition = definition(connection.platform());
        return definition.apiBase(bases.get(definition.name()), credential.extra(), connection.externalId());
    }

    public boolean isConfigured(String name) {
        return byKey.keySet().stream().anyMatch(key -> key.startsWith(name + "/"));
    }

    /** The configured kinds of {@code name} (GitHub's "app" and "oauth"; one for the others), in a fixed order. */
    public List<String> kindsOf(String name) {
        return byKey.keySet().stream().filter(key -> key.startsWith(name + "/"))
                .map(key -> key.substring(name.length() + 1)).sorted().toList();
    }

    /**
     * The flow for {@code name}; {@code kind} picks GitHub's (default: the GitHub App when
     * configured). Unknown or unconfigured platforms are 404 with a clear message.
     */
    public Platform require(String name, String kind) {
        if (!isKnown(name)) {
            throw OAuthException.notFound("unknown platform '" + name + "'; one of " + names());
        }
        if (!isConfigured(name)) {
            throw OAuthException.notFound("platform " + name + " is not configured on this Gatehouse");
        }
        if (kind != null) {
            Platform platform = byKey.get(name + "/" + kind);
            if (platform == null) {
                throw OAuthException.notFound("platform " + name + " has no configured kind '" + kind + "'");
            }
            return platform;
        }
        Platform app = byKey.get(name + "/app");
        return app != null ? app : byKey.get(name + "/oauth");
    }

    /** The flow a stored credential was made with. */
    public Platform forCredential(String name, String kind) {
        Platform platform = byKey.get(name + "/" + kind);
        if (platform == null) {
            throw OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE,
                    "platform " + name + " (" + kind + ") is no longer configured");
        }
        return platform;
    }
}
