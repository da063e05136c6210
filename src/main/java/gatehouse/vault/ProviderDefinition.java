package gatehouse.vault;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One provider described as data (docs/vault-definitions.md; the format's JSON Schema ships as
 * {@code providers/provider.schema.json}): where its OAuth 2.0 endpoints are, how it wants to be
 * spoken to, who a grant reaches, and the API base the proxy forwards to. Every URL is a template
 * over named values: the bases {@code {auth}} and {@code {api}}, the connection's parameters (a
 * tenant subdomain), fields kept from the token answer (Salesforce's {@code instance_url}) and the
 * connection's {@code {external_id}}.
 *
 * <p>GitHub, Jira and Slack carry an {@link #implementation()}: their flows stay in code (App JWTs
 * and installation tokens, one connection per Jira site, Slack Enterprise Grid), and their
 * definitions give the proxy, the lookup keys and the credential check what they need.
 *
 * @param source the file the definition came from, for error messages
 */
public record ProviderDefinition(
        String name,
        String displayName,
        String documentation,
        String implementation,
        Bases bases,
        Map<String, Param> connectionParams,
        Authorize authorize,
        Token token,
        Identity identity,
        Revocation revocation,
        Api api,
        List<String> lookupKeys,
        Duration checkInterval,
        String source) {
    public static final String ORGANIZATION_KEY = "organization_id";
    /** Always known when expanding an API URL: the connection's external account ID. */
    public static final String EXTERNAL_ID = "external_id";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z][a-z0-9_]*)}");

    public ProviderDefinition {
        connectionParams = Map.copyOf(connectionParams);
        lookupKeys = List.copyOf(lookupKeys);
    }

    /**
     * The named URLs every other URL hangs off: {@code auth} (browser and token host), {@code api}
     * (API host), and any other a provider needs (Google's token host); each is overridable by
     * {@code GATEHOUSE_<NAME>_<BASE>_URL} and may hold placeholders of connection parameters.
     */
    public record Bases(Map<String, String> urls) {
        public Bases {
            urls = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(urls));
        }

        public String auth() {
            return urls.get("auth");
        }

        public String api() {
            return urls.get("api");
        }
    }

    /** A value the administrator gives when connecting; {@code pattern} must match all of it. */
    public record Param(Pattern pattern, String description) {
    }

    public record Authorize(String url, Map<String, String> params, boolean pkce, String scopeSeparator,
                            String scopeParam, List<String> defaultScopes) {
        public Authorize {
            params = Map.copyOf(params);
            defaultScopes = List.copyOf(defaultScopes);
        }
    }

    public enum ClientAuthentication { CLIENT_SECRET_BASIC, CLIENT_SECRET_POST }

    /**
     * @param fields JSON Pointers of {@code access_token}, {@code refresh_token}, {@code expires_in},
     *               {@code scope}, {@code error} (each defaults to the RFC 6749 member)
     * @param keep   answer fields kept with the credential, usable as placeholders
     * @param refreshUrl where refreshes go, when not to {@code url}; null otherwise
     */
    public record Token(String url, String refreshUrl, ClientAuthentication clientAuthentication, boolean jsonBody,
                        boolean refreshTokenRotates, Map<String, JsonPointer> fields, Map<String, JsonPointer> keep) {
        public Token {
            fields = Map.copyOf(fields);
            keep = Map.copyOf(keep);
        }

        public JsonPointer field(String name) {
            return fields.getOrDefault(name, JsonPointer.compile("/" + name));
        }
    }

    /** The "who is this" call, or (no url) pointers into the token answer. */
    public record Identity(String url, String method, JsonNode body, Map<String, String> headers, JsonPointer id,
                           JsonPointer name) {
        public Identity {
            headers = Map.copyOf(headers);
        }
    }

    public enum RevocationSend { FORM, JSON, BEARER, URL }

    public record Revocation(String url, String method, boolean refreshToken, RevocationSend send,
                             boolean clientAuthentication, Map<String, String> headers) {
        public Revocation {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * @param tokenErrors how an answer that is not a 401 says the token was refused (Slack's
     *                    {@code ok:false} with {@code token_expired}); null when only 401 does
     */
    public record Api(String baseUrl, List<String> rateLimitHeaders, TokenErrors tokenErrors) {
        public Api {
            rateLimitHeaders = List.copyOf(rateLimitHeaders);
        }
    }

    /** Where an answer keeps its error code, and the codes that mean "this token is refused". */
    public record TokenErrors(JsonPointer pointer, List<String> values) {
        public TokenErrors {
            values = List.copyOf(values);
        }
    }

    /** Whether the flows are this definition's (not GitHub's, Jira's or Slack's code). */
    public boolean isGeneric() {
        return implementation == null;
    }

    /** The prefix of the provider's settings: {@code GATEHOUSE_GITLAB_}. */
    public String settingsPrefix() {
        return "GATEHOUSE_" + name.toUpperCase(java.util.Locale.ROOT) + "_";
    }

    /** The query parameter naming the external account at lookups (site_id, workspace_id), or null. */
    public String externalKey() {
        return lookupKeys.stream().filter(key -> !ORGANIZATION_KEY.equals(key)).findFirst().orElse(null);
    }

    /** The names a template uses, in order. */
    public static Set<String> placeholders(String template) {
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /**
     * The template with every {@code {name}} replaced by its value; a name without a value is an
     * {@link IllegalArgumentException} (a definition validated at start never has one, except a
     * connection made before a definition changed).
     */
    public static String expand(String template, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException("no value for {" + matcher.group(1) + "}");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** The values every URL of a connection expands with: the bases (themselves expanded), then {@code vars}. */
    public static Map<String, String> values(Bases bases, Map<String, String> vars) {
        Map<String, String> values = new LinkedHashMap<>(vars);
        bases.urls().forEach((name, url) -> values.put(name, trimSlash(expand(url, vars))));
        return values;
    }

    /** The API base the proxy forwards to, for a connection with these values and this external account. */
    public String apiBase(Bases resolved, Map<String, String> vars, String externalId) {
        Map<String, String> values = new LinkedHashMap<>(vars);
        values.put(EXTERNAL_ID, externalId);
        return trimSlash(expand(api.baseUrl(), values(resolved, values)));
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
