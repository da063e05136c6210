package gatehouse.clients;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.errors.OAuthException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rule of brokered vault access (docs/vault-proxy.md, "Brokered access"): an app may call these
 * methods on these paths of an organization's connection to {@code platform}, through the proxy,
 * never holding the provider's token. A path is a template of segments: literal ones, and
 * {@code {name}} that stands for exactly one non-empty segment ({@code /repos/{owner}/{repo}/issues}).
 */
public record VaultAccess(String platform, List<String> methods, List<String> paths) {
    public static final int MAX_RULES = 20;
    public static final int MAX_PATHS = 50;
    public static final List<String> METHODS = List.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE");
    private static final Pattern PLATFORM = Pattern.compile("[a-z][a-z0-9_]{1,30}");
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~:@!$'()*+,;=-]+");
    private static final Pattern VARIABLE = Pattern.compile("\\{[a-z_][a-z0-9_]{0,30}}");

    public VaultAccess {
        methods = List.copyOf(methods);
        paths = List.copyOf(paths);
    }

    /**
     * Rules as an app registers them, checked: a known platform name, methods from {@link #METHODS},
     * paths that are templates of whole segments (no dot segments, no query). 400 naming what is wrong.
     */
    public static List<VaultAccess> checked(List<VaultAccess> rules) {
        if (rules.size() > MAX_RULES) {
            throw OAuthException.validation("vault_access: at most " + MAX_RULES + " rules");
        }
        List<VaultAccess> checked = new ArrayList<>();
        for (VaultAccess rule : rules) {
            if (rule.platform() == null || !PLATFORM.matcher(rule.platform()).matches()) {
                throw OAuthException.validation("vault_access: platform must be a provider's name, such as github");
            }
            Set<String> methods = new LinkedHashSet<>();
            for (String method : rule.methods()) {
                String upper = method == null ? "" : method.toUpperCase(Locale.ROOT);
                if (!METHODS.contains(upper)) {
                    throw OAuthException.validation("vault_access: methods must be among " + METHODS);
                }
                methods.add(upper);
            }
            if (methods.isEmpty() || rule.paths().isEmpty() || rule.paths().size() > MAX_PATHS) {
                throw OAuthException.validation("vault_access: each rule needs methods and 1 to " + MAX_PATHS + " paths");
            }
            for (String path : rule.paths()) {
                requireTemplate(path);
            }
            checked.add(new VaultAccess(rule.platform(), List.copyOf(methods), List.copyOf(new LinkedHashSet<>(rule.paths()))));
        }
        return List.copyOf(checked);
    }

    private static void requireTemplate(String path) {
        if (path == null || path.length() > 300 || !path.startsWith("/") || path.equals("/")) {
            throw OAuthException.validation("vault_access: a path starts with / and names something, such as /repos/{owner}/{repo}");
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")
                    || !LITERAL.matcher(segment).matches() && !VARIABLE.matcher(segment).matches()) {
                throw OAuthException.validation("vault_access: '" + path + "' is not a path template of whole segments"
                        + " (literal ones, or {name} for one segment)");
            }
        }
    }

    /**
     * Rules from a request body's {@code vault_access} (null: not sent), shaped as an array of
     * {@code {"platform": …, "methods": […], "paths": […]}}; 400 for any other shape, then {@link #checked}.
     */
    public static List<VaultAccess> fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw OAuthException.validation("vault_access must be an array of {platform, methods, paths}");
        }
        if (node.size() > MAX_RULES) {
            throw OAuthException.validation("vault_access: at most " + MAX_RULES + " rules");
        }
        List<VaultAccess> rules = new ArrayList<>();
        for (var rule : node) {
            if (!rule.isObject() || !rule.path("platform").isTextual() || !rule.path("methods").isArray()
                    || !rule.path("paths").isArray() || rule.size() != 3) {
                throw OAuthException.validation("vault_access: each rule is {platform, methods, paths}, nothing else");
            }
            rules.add(new VaultAccess(rule.get("platform").asText(), texts(rule.get("methods")), texts(rule.get("paths"))));
        }
        return checked(rules);
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        for (var item : array) {
            if (!item.isTextual() || values.size() >= MAX_PATHS) {
                throw OAuthException.validation("vault_access: methods and paths are lists of at most " + MAX_PATHS + " strings");
            }
            values.add(item.asText());
        }
        return values;
    }

    /**
     * The template among {@code rules} that allows {@code method} on {@code path} of {@code platform},
     * or null. {@code path} is the raw request path; each of its segments must match the template's
     * (a literal exactly, a {@code {name}} any one non-empty segment).
     */
    public static String allowing(List<VaultAccess> rules, String platform, String method, String path) {
        String[] segments = path.substring(1).split("/", -1);
        for (VaultAccess rule : rules) {
            if (!rule.platform().equals(platform) || !rule.methods().contains(method)) {
                continue;
            }
            for (String template : rule.paths()) {
                if (matches(template.substring(1).split("/", -1), segments)) {
                    return template;
                }
            }
        }
        return null;
    }

    private static boolean matches(String[] template, String[] segments) {
        if (template.length != segments.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            boolean variable = template[i].startsWith("{");
            if (variable ? segments[i].isEmpty() : !template[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    /** The rules of {@code requested} that {@code approved} also holds, equal as whole rules. */
    public static List<VaultAccess> both(List<VaultAccess> requested, List<VaultAccess> approved) {
        return requested.stream().filter(approved::contains).toList();
    }

    /** Whether a method only reads. */
    public static boolean reads(String method) {
        return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
    }

    /** How the consent page says it: "GET, POST /repos/{owner}/{repo}/issues in GitHub". */
    public String plainWords() {
        return String.join(", ", methods) + " " + String.join(", ", paths);
    }
}
