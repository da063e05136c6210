package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds what a test needs through the public API, each with a unique name, so tests never clean
 * up and never collide: users, organizations, scopes and apps.
 */
public final class Fixtures {
    public static final String REDIRECT_URI = "https://app.example.test/callback";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Http admin;

    private Fixtures() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet() + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    }

    /** A logged-in session of the bootstrap admin. */
    public static synchronized Http admin() {
        if (admin == null) {
            admin = login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
        }
        return admin;
    }

    /** Logs in through the JSON API; the session carries the cookie and CSRF token. */
    public static Http login(String username, String password) {
        Http session = Http.browser();
        var response = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(response.status()).as("login of %s: %s", username, response.body()).isEqualTo(200);
        return session.csrf(response.text("csrf_token"));
    }

    /** The session's CSRF token as the console's forms carry it (read from its sign-out form). */
    public static String consoleCsrf(Http session) {
        return org.jsoup.Jsoup.parse(session.get("/").body())
                .selectFirst("form[action=/logout] input[name=csrf_token]").attr("value");
    }

    /** A registered user. */
    public record User(String id, String username, String password) {
        public Http login() {
            return Fixtures.login(username, password);
        }
    }

    public static User newUser() {
        String username = unique("user") + "@example.test";
        String password = "pw-" + unique("secret");
        var response = Http.anonymous().postJson("/api/v1/users",
                Map.of("username", username, "password", password, "name", "Test User"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return new User(response.text("id"), username, password);
    }

    /** A fresh user who owns a fresh organization, and a fresh (unrestricted) scope. */
    public record Tenant(User user, String orgId, String scope) {
    }

    public static Tenant tenant(String scopePrefix) {
        User user = newUser();
        return new Tenant(user, org(user.login()), scope(scopePrefix, false));
    }

    /** Creates an organization owned by the session's user; returns its ID. */
    public static String org(Http session) {
        var response = session.postJson("/api/v1/orgs", Map.of("name", unique("Org")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.text("id");
    }

    /** Adds a scope to the catalog (as admin); returns its name. */
    public static String scope(String prefix, boolean restricted) {
        String name = unique(prefix) + ":read";
        var response = admin().postJson("/api/v1/oauth/scopes",
                Map.of("name", name, "description", "Read " + prefix, "restricted", restricted));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return name;
    }

    /** A registered app. */
    public record App(String clientId, String secret, JsonNode json) {
        public String basic() {
            return Http.basic(clientId, secret);
        }

        /** Whether introspection by this app says the token is active. */
        public boolean isActive(String token) {
            return OAuthAssertions.isActive(this, token);
        }

        /** Exchanges a code (with its PKCE verifier) for tokens; asserts success. */
        public JsonNode exchange(OAuthBrowser.Code code) {
            Http.Response response = Http.anonymous().postForm("/oauth/token", Http.form("grant_type",
                    "authorization_code", "code", code.code(), "redirect_uri", REDIRECT_URI,
                    "code_verifier", code.verifier()), "Authorization", basic());
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            return response.json();
        }
    }

    /** Default app body for the owner organization; {@code overrides} replace members. */
    public static Map<String, Object> appBody(String orgId, Map<String, Object> overrides) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", unique("App"));
        body.put("owner_org_id", orgId);
        body.put("redirect_uris", List.of(REDIRECT_URI));
        body.put("grant_types", List.of("authorization_code", "refresh_token"));
        body.put("scope", "");
        body.put("confidential", true);
        body.put("actor_modes", List.of("self"));
        body.putAll(overrides);
        return body;
    }

    public static App app(Http session, String orgId, Map<String, Object> overrides) {
        var response = session.postJson("/api/v1/oauth/clients", appBody(orgId, overrides));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return new App(response.text("client_id"), response.text("client_secret"), response.json());
    }

    /** A PKCE pair made the way a client library makes it. */
    public record PkcePair(String verifier, String challenge) {
    }

    public static PkcePair pkce() {
        var verifier = new CodeVerifier();
        return new PkcePair(verifier.getValue(), CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue());
    }
}
