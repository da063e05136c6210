package gatehouse.vault;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.vault.Authorization.ExternalAccount;
import gatehouse.vault.ProviderException.Kind;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jira through Atlassian OAuth 2.0 (3LO), docs/vault-providers.md, "Jira", on the machinery of every
 * defined provider: its definition (providers/jira.json) says the authorize parameters, the JSON
 * token endpoint and the rotating refresh tokens; code says only what a definition cannot — one
 * grant reaches every site the user granted, so a completed flow yields one account per site
 * (cloud ID), all sharing the credential. Atlassian has no token revocation endpoint.
 */
public final class JiraPlatform extends DefinedPlatform {
    static final String NAME = "jira";
    private static final String PROVIDER = "Atlassian";

    /** With the shipped definition (tests, and a deployment that does not replace it). */
    public JiraPlatform(PlatformSettings.Jira settings, ProviderHttp http, Clock clock) {
        this(settings, ProviderDefinitions.shipped(NAME), http, clock);
    }

    public JiraPlatform(PlatformSettings.Jira settings, ProviderDefinition definition, ProviderHttp http, Clock clock) {
        super(new PlatformSettings.Defined(definition, settings.clientId(), settings.clientSecret(), settings.scopes(),
                        new ProviderDefinition.Bases(Map.of("auth", settings.authUrl(), "api", settings.apiUrl())), true),
                http, clock, accessToken -> accessibleSites(settings, http, accessToken));
    }

    /** Every site the grant reaches, in the provider's (meaningless) order, one account per cloud ID. */
    private static List<ExternalAccount> accessibleSites(PlatformSettings.Jira settings, ProviderHttp http, String accessToken)
            throws ProviderException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        ProviderHttp.uri(settings.apiUrl(), "/oauth/token/accessible-resources"))
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json")
                .GET();
        ProviderHttp.Answer answer = http.send(request, PROVIDER);
        if (answer.status() != 200) {
            throw apiFailure(answer, "accessible-resources");
        }
        JsonNode body = parse(answer.body());
        if (body == null || !body.isArray()) {
            throw new ProviderException(Kind.TRANSIENT, "malformed_response",
                    "Atlassian's accessible-resources answer is not a JSON array");
        }
        Map<String, ExternalAccount> sites = new LinkedHashMap<>();
        for (JsonNode site : body) {
            String id = text(site, "id");
            if (id != null) {
                sites.putIfAbsent(id, new ExternalAccount(id, siteName(site, id)));
            }
        }
        if (sites.isEmpty()) {
            throw new ProviderException(Kind.PERMANENT, "no_accessible_site",
                    "the grant reaches no Jira site: the user granted access to no site this app may use");
        }
        return new ArrayList<>(sites.values());
    }

    private static String siteName(JsonNode site, String id) {
        String name = text(site, "name");
        if (name != null) {
            return name;
        }
        String url = text(site, "url");
        return url != null ? url : id;
    }

    private static ProviderException apiFailure(ProviderHttp.Answer answer, String call) {
        return ProviderAnswers.apiFailure(PROVIDER, answer, call);
    }

    private static JsonNode parse(String body) {
        return ProviderAnswers.parse(body);
    }

    private static String text(JsonNode node, String field) {
        return ProviderAnswers.text(node, field);
    }
}
