package gatehouse.clients;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Set;

/** Which redirect URIs an app may register, and whether a requested one matches a registered one. */
public final class RedirectUris {
    public static final int MAX_LENGTH = 2000;
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final Set<String> LOOPBACK_IPS = Set.of("127.0.0.1", "[::1]");

    private RedirectUris() {
    }

    /**
     * Why {@code uri} may not be registered, or null when it may: absolute, https (http only for
     * loopback hosts), no fragment, no user info (docs/http.md, "The management API", RFC 6749 §3.1.2).
     */
    public static String problemWith(String uri) {
        if (uri == null || uri.isBlank()) {
            return "a redirect URI is empty";
        }
        if (uri.length() > MAX_LENGTH) {
            return "a redirect URI is longer than " + MAX_LENGTH + " characters";
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            return "redirect URI " + uri + " is not a valid URI";
        }
        if (!parsed.isAbsolute() || parsed.getHost() == null) {
            return "redirect URI " + uri + " must be absolute with a host";
        }
        if (parsed.getRawFragment() != null || uri.contains("#")) {
            return "redirect URI " + uri + " must not have a fragment";
        }
        if (parsed.getRawUserInfo() != null) {
            return "redirect URI " + uri + " must not carry user information";
        }
        String scheme = parsed.getScheme().toLowerCase();
        if ("https".equals(scheme)) {
            return null;
        }
        if ("http".equals(scheme) && LOOPBACK_HOSTS.contains(parsed.getHost().toLowerCase())) {
            return null;
        }
        return "redirect URI " + uri + " must use https (http only for localhost, 127.0.0.1 and [::1])";
    }

    /**
     * True when {@code requested} is one of the app's registered URIs, compared exactly; for a public
     * app, a loopback IP-literal http URI matches with any port (RFC 8252 §7.3).
     */
    public static boolean matches(Client client, String requested) {
        if (requested == null) {
            return false;
        }
        for (String registered : client.redirectUris()) {
            if (registered.equals(requested)) {
                return true;
            }
        }
        return !client.confidential() && client.redirectUris().stream().anyMatch(r -> sameIgnoringLoopbackPort(r, requested));
    }

    private static boolean sameIgnoringLoopbackPort(String registered, String requested) {
        try {
            URI a = new URI(registered);
            URI b = new URI(requested);
            return "http".equals(a.getScheme()) && "http".equals(b.getScheme())
                    && a.getHost() != null && LOOPBACK_IPS.contains(a.getHost())
                    && a.getHost().equals(b.getHost())
                    && b.getRawUserInfo() == null && b.getRawFragment() == null
                    && Objects.equals(a.getRawPath(), b.getRawPath())
                    && Objects.equals(a.getRawQuery(), b.getRawQuery());
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
