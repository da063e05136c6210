package gatehouse.users;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code PUT /api/v1/users/password}: a signed-in person changes their own password by proving the
 * current one; their other browser sessions end, this one stays; a token cannot do it.
 */
class PasswordChangeIT {
    private static final String PATH = "/api/v1/users/password";

    @BeforeAll
    static void server() {
        TestServer.get();
    }

    @Test
    void rightCurrentPasswordChangesItAndSignsOutTheOtherSessionsOnly() {
        Fixtures.User user = Fixtures.newUser();
        Http here = user.login();
        Http elsewhere = user.login();

        Http.Response changed = here.putJson(PATH, Map.of("current_password", user.password(),
                "new_password", "a brand new passphrase"));

        assertThat(changed.status()).as(changed.body()).isEqualTo(204);
        assertThat(here.get("/api/v1/users/me").status()).isEqualTo(200);
        assertThat(elsewhere.get("/api/v1/users/me").status()).isEqualTo(401);
        assertThat(Http.anonymous().postJson("/api/v1/auth/login", Map.of("username", user.username(),
                "password", user.password())).status()).isEqualTo(401);
        assertThat(Fixtures.login(user.username(), "a brand new passphrase").get("/api/v1/users/me").status()).isEqualTo(200);
        var audit = Fixtures.admin().get("/api/v1/audit-logs?action=password.changed&actor_id=" + user.id()).json();
        assertThat(audit.get("data")).hasSize(1);
        assertThat(audit.toString()).doesNotContain("brand new");
    }

    @Test
    void wrongCurrentPasswordOrWeakNewOneChangesNothing() {
        Fixtures.User user = Fixtures.newUser();
        Http session = user.login();

        assertError(session.putJson(PATH, Map.of("current_password", "not it", "new_password", "a brand new passphrase")),
                400, "validation_failed");
        assertError(session.putJson(PATH, Map.of("current_password", user.password(), "new_password", "short")),
                400, "validation_failed");
        assertError(session.putJson(PATH, Map.of("new_password", "a brand new passphrase")), 400, "validation_failed");
        assertThat(Fixtures.login(user.username(), user.password()).get("/api/v1/users/me").status()).isEqualTo(200);
    }

    @Test
    void tokenOrMissingCsrfCannotChangeAPassword() {
        Fixtures.User user = Fixtures.newUser();
        Http session = user.login();
        Map<String, String> body = Map.of("current_password", user.password(), "new_password", "a brand new passphrase");

        assertError(Http.anonymous().putJson(PATH, body), 401, "unauthenticated");
        assertThat(session.csrf("wrong").putJson(PATH, body).status()).isEqualTo(403);
        Fixtures.App service = Fixtures.app(Fixtures.admin(), Fixtures.org(Fixtures.admin()), Map.of(
                "grant_types", java.util.List.of("client_credentials"), "actor_modes", java.util.List.of("app"),
                "redirect_uris", java.util.List.of(), "scope", "admin:*"));
        String token = Http.anonymous().postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).json().get("access_token").asText();
        assertThat(Http.anonymous().putJson(PATH, body, "Authorization", "Bearer " + token).status()).isEqualTo(403);
        assertThat(Fixtures.login(user.username(), user.password()).get("/api/v1/users/me").status()).isEqualTo(200);
    }
}
