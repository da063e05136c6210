package gatehouse.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Admin user management (docs/http.md, "The management API"): list, update, disable, delete; and the own profile. */
class UserAdministrationIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("useradmin");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    @Test
    void adminListsUsersPageByPageAndOthersAreRefused() {
        Http.Response page = Fixtures.admin().get("/api/v1/users?limit=200");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().get("data").toString()).doesNotContain("password");
        assertThat(tenant.user().login().get("/api/v1/users").status()).isEqualTo(403);
    }

    @Test
    void adminSearchesUsersByPartOfTheirEmailOrNameAndWildcardsAreLiteral() {
        String email = tenant.user().username();
        String part = email.substring(0, email.indexOf('@')).toUpperCase();

        Http.Response found = Fixtures.admin().get("/api/v1/users?q=" + part);

        assertThat(found.status()).as(found.body()).isEqualTo(200);
        assertThat(found.json().get("data")).extracting(u -> u.get("username").asText()).containsExactly(email);
        assertThat(Fixtures.admin().get("/api/v1/users?q=%25").json().get("data")).isEmpty();
        assertThat(Fixtures.admin().get("/api/v1/users?q=" + "x".repeat(300)).status()).isEqualTo(400);
        assertThat(tenant.user().login().get("/api/v1/users?q=" + part).status()).isEqualTo(403);
    }

    @Test
    void userChangesTheirOwnDisplayName() {
        Http.Response response = tenant.user().login().putJson("/api/v1/users/profile", Map.of("name", "Ada L."));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.text("name")).isEqualTo("Ada L.");
        assertThat(tenant.user().login().get("/api/v1/users/me").text("name")).isEqualTo("Ada L.");
    }

    @Test
    void disablingAUserEndsTheirSessionsTokensAndLoginsUntilEnabledAgain() {
        Http session = tenant.user().login();
        var browser = new OAuthBrowser(tenant.user());
        JsonNode tokens = app.exchange(browser.authorizationCode(app, tenant.scope()));
        OAuthBrowser.Code pending = browser.authorizationCode(app, tenant.scope());

        Http.Response disabled = Fixtures.admin().putJson("/api/v1/users/" + tenant.user().id(), Map.of("disabled", true));
        assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
        assertThat(disabled.json().get("disabled").asBoolean()).isTrue();

        assertThat(session.get("/api/v1/users/me").status()).isEqualTo(401);
        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        Http.Response refresh = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(refresh.text("error")).isEqualTo("invalid_grant");
        Http.Response exchange = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", pending.code(), "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pending.verifier()),
                "Authorization", app.basic());
        assertThat(exchange.text("error")).isEqualTo("invalid_grant");
        assertThat(Http.browser().postJson("/api/v1/auth/login", Map.of("username", tenant.user().username(),
                "password", tenant.user().password())).status()).isEqualTo(401);

        assertThat(Fixtures.admin().putJson("/api/v1/users/" + tenant.user().id(), Map.of("disabled", false)).status())
                .isEqualTo(200);
        assertThat(tenant.user().login().get("/api/v1/users/me").status()).isEqualTo(200);
    }

    @Test
    void adminChangesRolesButNeverDisablesOrDemotesThemselves() {
        Http.Response promoted = Fixtures.admin().putJson("/api/v1/users/" + tenant.user().id(),
                Map.of("roles", List.of("user", "admin")));
        assertThat(promoted.json().get("roles")).extracting(JsonNode::asText).contains("admin");
        assertThat(Fixtures.admin().putJson("/api/v1/users/" + tenant.user().id(), Map.of("roles", List.of("king")))
                .status()).isEqualTo(400);

        String adminId = Fixtures.admin().get("/api/v1/users/me").text("id");
        assertThat(Fixtures.admin().putJson("/api/v1/users/" + adminId, Map.of("disabled", true)).status()).isEqualTo(409);
        assertThat(Fixtures.admin().putJson("/api/v1/users/" + adminId, Map.of("roles", List.of("user"))).status())
                .isEqualTo(409);
        assertThat(Fixtures.admin().delete("/api/v1/users/" + adminId).status()).isEqualTo(409);
        // A plain user (the tenant's user is an admin by now) may not manage anyone.
        assertThat(Fixtures.newUser().login().putJson("/api/v1/users/" + adminId, Map.of("disabled", true)).status())
                .isEqualTo(403);
    }

    @Test
    void deletingAUserEndsEverythingTheyHeld() {
        JsonNode tokens = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()));

        assertThat(Fixtures.admin().delete("/api/v1/users/" + tenant.user().id()).status()).isEqualTo(204);

        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isFalse();
        assertThat(Http.browser().postJson("/api/v1/auth/login", Map.of("username", tenant.user().username(),
                "password", tenant.user().password())).status()).isEqualTo(401);
        assertThat(Fixtures.admin().delete("/api/v1/users/" + tenant.user().id()).status()).isEqualTo(404);
    }
}
