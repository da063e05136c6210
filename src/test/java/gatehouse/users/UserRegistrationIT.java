package gatehouse.users;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/v1/users} and {@code GET /api/v1/users/me} (docs/http.md, "The management API" "Users", §3): open
 * registration, the username as a case-insensitive email address, the password policy, roles only
 * from admins, and the caller's own profile by session or bearer token.
 */
class UserRegistrationIT {
    private static final String USERS = "/api/v1/users";
    private static final String ME = "/api/v1/users/me";

    private final Http anonymous = Http.anonymous();

    @Test
    void registerWhenOpenThenCreatedUserWithoutPasswordHashAndLowerCasedUsername() {
        String local = Fixtures.unique("Mixed.Case");
        String password = "pw-" + Fixtures.unique("secret");
        Http.Response response = anonymous.postJson(USERS,
                Map.of("username", local + "@Example.TEST", "password", password, "name", "Ada Lovelace"));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode user = response.json();
        UUID.fromString(user.get("id").asText());
        assertThat(user.get("username").asText()).isEqualTo(local.toLowerCase() + "@example.test");
        assertThat(user.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(user.get("roles")).extracting(JsonNode::asText).doesNotContain("admin");
        Instant.parse(user.get("created_at").asText());
        assertThat(fieldNames(user)).noneMatch(name -> name.contains("password") || name.contains("hash"));
        assertThat(response.body()).doesNotContain(password).doesNotContain("$argon2");
    }

    @Test
    void registerWhenUsernameTakenInAnyCaseThenConflict() {
        String username = Fixtures.unique("dup") + "@example.test";
        assertThat(register(username, "pw-" + Fixtures.unique("secret")).status()).isEqualTo(201);

        assertError(register(username, "pw-" + Fixtures.unique("other")), 409, "conflict");
        assertError(register(username.toUpperCase(), "pw-" + Fixtures.unique("other")), 409, "conflict");
    }

    @Test
    void registerWhenPasswordShorterThan10OrLongerThan256ThenValidationFailed() {
        assertError(register(newUsername(), "a1b2c3d4e"), 400, "validation_failed");
        assertError(register(newUsername(), ""), 400, "validation_failed");
        assertError(register(newUsername(), "x7".repeat(128) + "q"), 400, "validation_failed");
        assertError(anonymous.postJson(USERS, Map.of("username", newUsername(), "name", "No Password")),
                400, "validation_failed");
    }

    @Test
    void registerWhenPasswordIs10Or256CharactersThenCreated() {
        assertThat(register(newUsername(), "k9-Q3-z7-W").status()).isEqualTo(201);
        assertThat(register(newUsername(), "Zq8-".repeat(64)).status()).isEqualTo(201);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"password123", "1234567890", "qwertyuiop", "password1234"})
    void registerWhenPasswordIsACommonOneThenValidationFailed(String common) {
        // docs/http.md, "The management API": "Passwords: 10..256 characters, not among common passwords."
        assertError(register(newUsername(), common), 400, "validation_failed");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"not-an-email", "no-at-sign.example.test", "two@@example.test", "spaces in@example.test",
            "@example.test", "nobody@", "", "   "})
    void registerWhenUsernameIsNotAnEmailAddressThenValidationFailed(String username) {
        assertError(register(username, "pw-" + Fixtures.unique("secret")), 400, "validation_failed");
    }

    @Test
    void registerWithoutUsernameThenValidationFailed() {
        assertError(anonymous.postJson(USERS, Map.of("password", "pw-" + Fixtures.unique("secret"))),
                400, "validation_failed");
    }

    @Test
    void registerWithRolesWhenAnonymousThenForbiddenAndNoUserCreated() {
        String username = newUsername();
        String password = "pw-" + Fixtures.unique("secret");
        for (List<String> roles : List.of(List.of("admin"), List.of("user"), List.<String>of())) {
            assertError(anonymous.postJson(USERS, Map.of("username", username, "password", password, "roles", roles)),
                    403, "forbidden");
        }
        assertThat(register(username, password).status()).as("the refused requests created nothing").isEqualTo(201);
    }

    @Test
    void registerWithRolesWhenCallerIsNotAdminThenForbidden() {
        Http session = Fixtures.newUser().login();
        String username = newUsername();
        Http.Response response = session.postJson(USERS,
                Map.of("username", username, "password", "pw-" + Fixtures.unique("secret"), "roles", List.of("admin")));

        assertError(response, 403, "forbidden");
        assertThat(register(username, "pw-" + Fixtures.unique("secret")).status())
                .as("the refused request created nothing").isEqualTo(201);
    }

    @Test
    void registerWithRolesWhenCallerIsAdminThenCreatedWithThoseRoles() {
        String username = newUsername();
        String password = "pw-" + Fixtures.unique("secret");
        Http.Response response = Fixtures.admin().postJson(USERS,
                Map.of("username", username, "password", password, "name", "Second Admin", "roles", List.of("admin")));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("roles")).extracting(JsonNode::asText).containsExactly("admin");

        Http newAdmin = Fixtures.login(username, password);
        Http.Response all = newAdmin.get("/api/v1/orgs?all=true&limit=1");
        assertThat(all.status()).as("the new admin may list every organization: %s", all.body()).isEqualTo(200);
    }

    @Test
    void registerWhenAdminSendsNoRolesThenPlainUser() {
        Http.Response response = Fixtures.admin().postJson(USERS,
                Map.of("username", newUsername(), "password", "pw-" + Fixtures.unique("secret"), "name", "Plain"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("roles")).extracting(JsonNode::asText).doesNotContain("admin");
    }

    @Test
    void newUserCanLogInAndSeeThemselves() {
        String username = newUsername();
        String password = "pw-" + Fixtures.unique("secret");
        String id = register(username, password).text("id");

        Http session = Fixtures.login(username, password);
        Http.Response me = session.get(ME);

        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.text("id")).isEqualTo(id);
        assertThat(me.text("username")).isEqualTo(username);
        assertThat(me.body()).doesNotContain("$argon2").doesNotContain(password);
    }

    @Test
    void meWithBearerTokenOfTheUserThenThatUser() {
        Fixtures.User user = Fixtures.newUser();
        Http owner = Fixtures.newUser().login();
        Fixtures.App app = Fixtures.app(Fixtures.admin(), Fixtures.org(owner),
                Map.of("grant_types", List.of("password", "refresh_token")));
        Http.Response token = anonymous.postForm("/oauth/token", Http.form("grant_type", "password",
                "username", user.username(), "password", user.password()), "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);

        Http.Response me = anonymous.get(ME, "Authorization", "Bearer " + token.text("access_token"));

        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.text("id")).isEqualTo(user.id());
        assertThat(me.text("username")).isEqualTo(user.username());
    }

    @Test
    void meWithoutCredentialsThenUnauthenticatedAndWithBadTokenThenInvalidToken() {
        assertError(anonymous.get(ME), 401, "unauthenticated");
        Http.Response bad = anonymous.get(ME, "Authorization", "Bearer foot_" + "A".repeat(49));
        assertError(bad, 401, "invalid_token");
        assertThat(bad.header("WWW-Authenticate")).startsWith("Bearer").contains("error=\"invalid_token\"");
    }

    @Test
    void registerWhenRegistrationClosedThenOnlyAdminsCreateUsers() {
        TestServer closed = TestServer.start(Map.of("GATEHOUSE_REGISTRATION", "closed"));
        try {
            Http anonymousThere = Http.anonymous(closed.baseUrl());
            Map<String, Object> body = Map.of("username", newUsername(), "password", "pw-" + Fixtures.unique("secret"),
                    "name", "Closed");
            assertError(anonymousThere.postJson(USERS, body), 403, "forbidden");

            Http plainUser = Http.browser(closed.baseUrl());
            Fixtures.User existing = Fixtures.newUser();
            Http.Response login = plainUser.postJson("/api/v1/auth/login",
                    Map.of("username", existing.username(), "password", existing.password()));
            assertThat(login.status()).as(login.body()).isEqualTo(200);
            plainUser.csrf(login.text("csrf_token"));
            assertError(plainUser.postJson(USERS, body), 403, "forbidden");

            Http admin = Http.browser(closed.baseUrl());
            Http.Response adminLogin = admin.postJson("/api/v1/auth/login",
                    Map.of("username", TestServer.ADMIN_USERNAME, "password", TestServer.ADMIN_PASSWORD));
            assertThat(adminLogin.status()).as(adminLogin.body()).isEqualTo(200);
            admin.csrf(adminLogin.text("csrf_token"));
            Http.Response created = admin.postJson(USERS, body);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
        } finally {
            closed.close();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Http.Response register(String username, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", username);
        body.put("password", password);
        body.put("name", "Test User");
        return anonymous.postJson(USERS, body);
    }

    private static String newUsername() {
        return Fixtures.unique("user") + "@example.test";
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
