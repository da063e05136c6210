package gatehouse.vault;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configured providers, by name and kind (docs/http.md, "The vault": configured when the client or app ID is set). */
public final class Platforms {
    public static final List<String> NAMES = List.of("github", "jira", "slack");

    private final Map<String, Platform> byKey = new LinkedHashMap<>();

    public Platforms(VaultSettings settings, ProviderHttp http, Clock clock) {
        if (settings.githubOAuth() != null) {
            add(new GitHubOAuthPlatform(settings.githubOAuth(), http, clock));
        }
        if (settings.githubApp() != null) {
            add(new GitHubAppPlatform(settings.githubApp(), http, clock));
        }
        if (settings.jira() != null) {
            add(new JiraPlatform(settings.jira(), http, clock));
        }
        if (settings.slack() != null) {
            add(new SlackPlatform(settings.slack(), http, clock));
        }
    }

    /** For tests and for providers added later: registers one more flow. */
    public void add(Platform platform) {
        byKey.put(platform.name() + "/" + platform.kind(), platform);
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
        if (!NAMES.contains(name)) {
            throw OAuthException.notFound("unknown platform '" + name + "'; one of " + NAMES);
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
