package gatehouse.vault;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * Loads provider definitions: those shipped in the jar ({@code providers/*.json}, listed in
 * {@code providers/index.txt}), then those in {@code GATEHOUSE_PROVIDERS_DIR} (JSON or YAML), where
 * a definition with a shipped one's name replaces it. Each is checked as strictly as the JSON
 * Schema reads: unknown members, missing required ones, placeholders nothing defines and URLs that
 * are not https (unless {@code GATEHOUSE_VAULT_ALLOW_HTTP}) stop the start, naming file and field.
 */
public final class ProviderDefinitions {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{1,30}");
    private static final Pattern VARIABLE = Pattern.compile("[a-z][a-z0-9_]{0,30}");
    private static final Set<String> IMPLEMENTATIONS = Set.of("github", "jira", "slack");
    private static final Set<String> LOOKUP_KEYS = Set.of("organization_id", "workspace_id", "site_id");
    private static final Set<String> TOKEN_FIELDS = Set.of("access_token", "refresh_token", "expires_in", "scope", "error");
    /** Placeholders no parameter or kept field may be named: the two bases, a revocation URL's token, the external ID. */
    private static final Set<String> RESERVED = Set.of("auth", "api", "token", ProviderDefinition.EXTERNAL_ID);

    private ProviderDefinitions() {
    }

    /** A definition that cannot be used: which file, which field, what is wrong. */
    public static final class InvalidDefinition extends RuntimeException {
        public InvalidDefinition(String file, String field, String problem) {
            super(file + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
        }
    }

    /** The shipped definitions, replaced or joined by those of {@code directory} (null: none), by name. */
    public static Map<String, ProviderDefinition> load(Path directory, boolean allowHttp, Duration defaultCheck) {
        Map<String, ProviderDefinition> byName = new LinkedHashMap<>();
        for (String file : shippedFiles()) {
            ProviderDefinition definition = parse("providers/" + file, readShipped(file), allowHttp, defaultCheck);
            byName.put(definition.name(), definition);
        }
        if (directory != null) {
            for (Path file : filesIn(directory)) {
                ProviderDefinition definition = parse(file.toString(), readFile(file), allowHttp, defaultCheck);
                byName.put(definition.name(), definition);
            }
        }
        return byName;
    }

    /** One shipped definition, by name (a provider whose code needs its own when none replaces it). */
    public static ProviderDefinition shipped(String name) {
        return parse("providers/" + name + ".json", readShipped(name + ".json"), true, Duration.ofDays(1));
    }

    private static List<String> shippedFiles() {
        try (InputStream in = ProviderDefinitions.class.getResourceAsStream("/providers/index.txt")) {
            if (in == null) {
                throw new IllegalStateException("providers/index.txt is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read providers/index.txt", e);
        }
    }

    private static JsonNode readShipped(String file) {
        try (InputStream in = ProviderDefinitions.class.getResourceAsStream("/providers/" + file)) {
            if (in == null) {
                throw new InvalidDefinition("providers/" + file, "", "listed in providers/index.txt but missing");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new InvalidDefinition("providers/" + file, "", "not valid JSON: " + e.getMessage());
        }
    }

    private static List<Path> filesIn(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidDefinition(directory.toString(), "", "GATEHOUSE_PROVIDERS_DIR is not a directory");
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().matches(".*\\.(json|ya?ml)"))
                    .filter(file -> !file.getFileName().toString().equals("provider.schema.json")).sorted().toList();
        } catch (IOException e) {
            throw new InvalidDefinition(directory.toString(), "", "cannot be listed: " + e.getMessage());
        }
    }

    private static JsonNode readFile(Path file) {
        boolean yaml = !file.getFileName().toString().endsWith(".json");
        try {
            return (yaml ? YAML : JSON).readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidDefinition(file.toString(), "", "not valid " + (yaml ? "YAML" : "JSON") + ": " + e.getMessage());
        }
    }

    /** One definition from its tree; {@code file} names it in every complaint. */
    public static ProviderDefinition parse(String file, JsonNode root, boolean allowHttp, Duration defaultCheck) {
        Node node = new Node(file, "", root);
        node.only("$schema", "name", "display_name", "documentation", "implementation", "bases", "connection_params",
                "authorization", "token", "identity", "revocation", "api", "lookup_keys", "check_interval_seconds");
        String name = node.text("name", true);
        if (!NAME.matcher(name).matches()) {
            throw node.invalid("name", "must be 2-31 characters of a-z, 0-9 and _, starting with a letter");
        }
        String baseName = Path.of(file).getFileName().toString().replaceFirst("\\.(json|ya?ml)$", "");
        if (!baseName.equals(name)) {
            throw node.invalid("name", "must equal the file's name (" + baseName + ")");
        }
        String implementation = node.text("implementation", false);
        if (implementation != null && (!IMPLEMENTATIONS.contains(implementation) || !implementation.equals(name))) {
            throw node.invalid("implementation", "is only for github, jira and slack, each in its own definition");
        }
        boolean generic = implementation == null;
        Node bases = node.object("bases", true);
        Map<String, String> baseUrls = new LinkedHashMap<>();
        baseUrls.put("auth", bases.text("auth", true));
        baseUrls.put("api", bases.text("api", true));
        for (String base : bases.names()) {
            if (!VARIABLE.matcher(base).matches() || Set.of("token", ProviderDefinition.EXTERNAL_ID).contains(base)) {
                throw bases.invalid(base, "is not a usable base name (a-z, 0-9, _; not token or external_id)");
            }
            baseUrls.putIfAbsent(base, bases.text(base, true));
        }
        var definitionBases = new ProviderDefinition.Bases(baseUrls);
        Map<String, ProviderDefinition.Param> params = params(node.object("connection_params", false));
        for (String param : params.keySet()) {
            if (baseUrls.containsKey(param)) {
                throw node.invalid("connection_params." + param, "has the name of a base");
            }
        }
        // Jira's flows are a definition's too (its code adds only the sites a grant reaches).
        boolean flowsDefined = generic || "jira".equals(implementation);
        Node tokenNode = node.object("token", flowsDefined);
        Map<String, JsonPointer> keep = tokenNode == null ? Map.of() : pointers(tokenNode.object("keep", false), null);
        Set<String> known = new LinkedHashSet<>(params.keySet());
        for (String kept : keep.keySet()) {
            if (!known.add(kept)) {
                throw tokenNode.invalid("keep." + kept, "is also a connection parameter");
            }
        }
        Templates templates = new Templates(file, definitionBases, params.keySet(), known, allowHttp);
        templates.checkBases(bases);

        ProviderDefinition.Authorize authorize = authorize(node.object("authorization", flowsDefined), templates);
        ProviderDefinition.Token token = token(tokenNode, keep, templates);
        ProviderDefinition.Identity identity = identity(node.object("identity", generic), templates);
        ProviderDefinition.Revocation revocation = revocation(node.object("revocation", false), templates);
        Node apiNode = node.object("api", true);
        apiNode.only("base_url", "rate_limit_headers", "token_errors");
        Node errors = apiNode.object("token_errors", false);
        ProviderDefinition.TokenErrors tokenErrors = null;
        if (errors != null) {
            errors.only("pointer", "values");
            tokenErrors = new ProviderDefinition.TokenErrors(errors.pointer("pointer", true), errors.strings("values"));
            if (tokenErrors.values().isEmpty()) {
                throw errors.invalid("values", "must name at least one error code");
            }
        }
        var api = new ProviderDefinition.Api(templates.url(apiNode, "base_url", true, Set.of(ProviderDefinition.EXTERNAL_ID)),
                apiNode.strings("rate_limit_headers"), tokenErrors);
        List<String> lookupKeys = node.has("lookup_keys") ? node.strings("lookup_keys") : List.of("organization_id");
        if (lookupKeys.isEmpty() || !LOOKUP_KEYS.containsAll(lookupKeys) || lookupKeys.stream().distinct().count() != lookupKeys.size()
                || lookupKeys.stream().filter(key -> !key.equals("organization_id")).count() > 1) {
            throw node.invalid("lookup_keys", "must be organization_id and at most one of workspace_id, site_id");
        }
        Duration check = defaultCheck;
        if (node.has("check_interval_seconds")) {
            long seconds = node.integer("check_interval_seconds");
            if (seconds < 300) {
                throw node.invalid("check_interval_seconds", "must be at least 300");
            }
            check = Duration.ofSeconds(seconds);
        }
        return new ProviderDefinition(name, node.text("display_name", true), node.text("documentation", false),
                implementation, definitionBases, params, authorize, token, identity, revocation, api, lookupKeys, check, file);
    }

    private static Map<String, ProviderDefinition.Param> params(Node node) {
        Map<String, ProviderDefinition.Param> params = new LinkedHashMap<>();
        if (node == null) {
            return params;
        }
        for (String name : node.names()) {
            if (!VARIABLE.matcher(name).matches() || RESERVED.contains(name)) {
                throw node.invalid(name, "is not a usable parameter name (a-z, 0-9, _; not auth, api, token, external_id)");
            }
            Node param = node.object(name, true);
            param.only("pattern", "description");
            try {
                params.put(name, new ProviderDefinition.Param(Pattern.compile(param.text("pattern", true)),
                        param.text("description", true)));
            } catch (PatternSyntaxException e) {
                throw param.invalid("pattern", "is not a regular expression: " + e.getDescription());
            }
        }
        return params;
    }

    private static ProviderDefinition.Authorize authorize(Node node, Templates templates) {
        if (node == null) {
            return null;
        }
        node.only("url", "params", "pkce", "scope_separator", "scope_param", "default_scopes");
        JsonNode given = node.raw("scope_separator");
        String separator = given == null ? " " : given.isTextual() ? given.asText() : "";
        if (!separator.equals(" ") && !separator.equals(",")) {
            throw node.invalid("scope_separator", "must be \" \" or \",\"");
        }
        return new ProviderDefinition.Authorize(templates.url(node, "url", true, Set.of()), node.stringMap("params"),
                node.bool("pkce", false), separator, node.has("scope_param") ? node.text("scope_param", true) : "scope",
                node.strings("default_scopes"));
    }

    private static ProviderDefinition.Token token(Node node, Map<String, JsonPointer> keep, Templates templates) {
        if (node == null) {
            return null;
        }
        node.only("url", "refresh_url", "client_authentication", "body", "refresh_token_rotates", "fields", "keep");
        String auth = node.has("client_authentication") ? node.text("client_authentication", true) : "client_secret_post";
        if (!auth.equals("client_secret_basic") && !auth.equals("client_secret_post")) {
            throw node.invalid("client_authentication", "must be client_secret_basic or client_secret_post");
        }
        String body = node.has("body") ? node.text("body", true) : "form";
        if (!body.equals("form") && !body.equals("json")) {
            throw node.invalid("body", "must be form or json");
        }
        return new ProviderDefinition.Token(templates.url(node, "url", true, Set.of()),
                templates.url(node, "refresh_url", false, Set.of()),
                auth.equals("client_secret_basic") ? ProviderDefinition.ClientAuthentication.CLIENT_SECRET_BASIC
                        : ProviderDefinition.ClientAuthentication.CLIENT_SECRET_POST,
                body.equals("json"), node.bool("refresh_token_rotates", false),
                pointers(node.object("fields", false), TOKEN_FIELDS), keep);
    }

    private static ProviderDefinition.Identity identity(Node node, Templates templates) {
        if (node == null) {
            return null;
        }
        node.only("url", "method", "body", "headers", "id", "name");
        String method = node.has("method") ? node.text("method", true) : "GET";
        if (!method.equals("GET") && !method.equals("POST")) {
            throw node.invalid("method", "must be GET or POST");
        }
        JsonNode body = node.raw("body");
        if (body != null && !body.isObject()) {
            throw node.invalid("body", "must be a JSON object");
        }
        if (body != null && !node.has("url")) {
            throw node.invalid("body", "needs a url");
        }
        return new ProviderDefinition.Identity(templates.url(node, "url", false, Set.of()), method, body,
                node.stringMap("headers"), node.pointer("id", true), node.pointer("name", false));
    }

    private static ProviderDefinition.Revocation revocation(Node node, Templates templates) {
        if (node == null) {
            return null;
        }
        node.only("url", "method", "token", "send", "client_authentication", "headers");
        String method = node.has("method") ? node.text("method", true) : "POST";
        String token = node.has("token") ? node.text("token", true) : "refresh_token";
        String send = node.has("send") ? node.text("send", true) : "form";
        if (!method.equals("POST") && !method.equals("DELETE")) {
            throw node.invalid("method", "must be POST or DELETE");
        }
        if (!token.equals("refresh_token") && !token.equals("access_token")) {
            throw node.invalid("token", "must be refresh_token or access_token");
        }
        ProviderDefinition.RevocationSend how;
        try {
            how = ProviderDefinition.RevocationSend.valueOf(send.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw node.invalid("send", "must be form, json, bearer or url");
        }
        String url = templates.url(node, "url", true, Set.of("token"));
        if (how == ProviderDefinition.RevocationSend.URL && !url.contains("{token}")) {
            throw node.invalid("url", "must contain {token} when send is url");
        }
        return new ProviderDefinition.Revocation(url, method, token.equals("refresh_token"), how,
                node.bool("client_authentication", true), node.stringMap("headers"));
    }

    private static Map<String, JsonPointer> pointers(Node node, Set<String> allowed) {
        Map<String, JsonPointer> pointers = new LinkedHashMap<>();
        if (node == null) {
            return pointers;
        }
        for (String name : node.names()) {
            if (allowed != null ? !allowed.contains(name) : !VARIABLE.matcher(name).matches() || RESERVED.contains(name)) {
                throw node.invalid(name, allowed != null ? "is not one of " + allowed : "is not a usable name");
            }
            pointers.put(name, node.pointer(name, true));
        }
        return pointers;
    }

    /** Checks URL templates: known placeholders only, and an https (or allowed http) URL once expanded. */
    private record Templates(String file, ProviderDefinition.Bases bases, Set<String> baseVariables, Set<String> variables,
                             boolean allowHttp) {
        void checkBases(Node node) {
            for (var base : bases.urls().entrySet()) {
                String template = base.getValue();
                requireKnown(node, base.getKey(), template, baseVariables);
                requireUrl(node, base.getKey(), ProviderDefinition.expand(template, sample(baseVariables)));
            }
        }

        String url(Node node, String field, boolean required, Set<String> extra) {
            String template = node.text(field, required);
            if (template == null) {
                return null;
            }
            Set<String> allowed = new LinkedHashSet<>(variables);
            allowed.addAll(bases.urls().keySet());
            allowed.addAll(extra);
            requireKnown(node, field, template, allowed);
            if (!template.startsWith("{") && !template.matches("https?://.*")) {
                throw node.invalid(field, "must start with a base such as {auth} or {api}, or with https://");
            }
            Map<String, String> values = sample(allowed);
            values.putAll(ProviderDefinition.values(bases, sample(baseVariables)));
            requireUrl(node, field, ProviderDefinition.expand(template, values));
            return template;
        }

        private void requireKnown(Node node, String field, String template, Set<String> allowed) {
            for (String name : ProviderDefinition.placeholders(template)) {
                if (!allowed.contains(name)) {
                    throw node.invalid(field, "uses {" + name + "}, which is neither a base, a connection parameter"
                            + " nor a kept token field");
                }
            }
        }

        private void requireUrl(Node node, String field, String url) {
            try {
                URI uri = URI.create(url);
                boolean scheme = "https".equals(uri.getScheme()) || allowHttp && "http".equals(uri.getScheme());
                if (!scheme || uri.getHost() == null) {
                    throw node.invalid(field, "must be an https URL" + (allowHttp ? " or an http URL" : "") + ", got " + url);
                }
            } catch (IllegalArgumentException e) {
                throw node.invalid(field, "is not a URL: " + url);
            }
        }

        /** Stand-ins for values known only per connection: a host label, or for kept URLs a whole https origin. */
        private static Map<String, String> sample(Set<String> names) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String name : names) {
                values.put(name, name.endsWith("url") ? "https://example.com" : "example");
            }
            return values;
        }
    }

    /** A JSON object being read, with its path for messages. */
    private record Node(String file, String path, JsonNode json) {
        InvalidDefinition invalid(String field, String problem) {
            return new InvalidDefinition(file, path.isEmpty() ? field : path + "." + field, problem);
        }

        Node {
            if (!json.isObject()) {
                throw new InvalidDefinition(file, path, "must be an object");
            }
        }

        void only(String... members) {
            Set<String> allowed = Set.of(members);
            for (String name : names()) {
                if (!allowed.contains(name)) {
                    throw invalid(name, "is not a member of a provider definition here (one of " + List.of(members) + ")");
                }
            }
        }

        List<String> names() {
            List<String> names = new ArrayList<>();
            Iterator<String> it = json.fieldNames();
            it.forEachRemaining(names::add);
            return names;
        }

        boolean has(String field) {
            return json.has(field) && !json.get(field).isNull();
        }

        JsonNode raw(String field) {
            return has(field) ? json.get(field) : null;
        }

        String text(String field, boolean required) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    throw invalid(field, "is required");
                }
                return null;
            }
            if (!value.isTextual() || value.asText().isBlank()) {
                throw invalid(field, "must be a non-empty string");
            }
            return value.asText();
        }

        boolean bool(String field, boolean fallback) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isBoolean()) {
                throw invalid(field, "must be true or false");
            }
            return value.asBoolean();
        }

        long integer(String field) {
            JsonNode value = json.get(field);
            if (!value.isIntegralNumber()) {
                throw invalid(field, "must be a whole number");
            }
            return value.asLong();
        }

        Node object(String field, boolean required) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    throw invalid(field, "is required");
                }
                return null;
            }
            if (!value.isObject()) {
                throw invalid(field, "must be an object");
            }
            return new Node(file, path.isEmpty() ? field : path + "." + field, value);
        }

        List<String> strings(String field) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) {
                return List.of();
            }
            if (!value.isArray()) {
                throw invalid(field, "must be an array of strings");
            }
            List<String> strings = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual() || item.asText().isBlank()) {
                    throw invalid(field, "must be an array of non-empty strings");
                }
                strings.add(item.asText());
            }
            return strings;
        }

        Map<String, String> stringMap(String field) {
            Node map = object(field, false);
            Map<String, String> values = new LinkedHashMap<>();
            if (map != null) {
                for (String name : map.names()) {
                    values.put(name, map.text(name, true));
                }
            }
            return values;
        }

        JsonPointer pointer(String field, boolean required) {
            String value = text(field, required);
            if (value == null) {
                return null;
            }
            try {
                JsonPointer pointer = JsonPointer.compile(value);
                if (pointer.matches()) {
                    throw invalid(field, "must point into the answer (\"/id\"), not be the whole of it");
                }
                return pointer;
            } catch (IllegalArgumentException e) {
                throw invalid(field, "is not a JSON Pointer (RFC 6901) such as /access_token: " + value);
            }
        }
    }
}
