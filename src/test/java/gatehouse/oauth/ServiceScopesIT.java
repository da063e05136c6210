package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestDatabase;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Restricted service scopes (admin:*, connections:read, events:publish) are issued only by plain
 * client_credentials — an internal service acting as itself. Every delegated grant refuses them
 * when asked by name (invalid_scope) and leaves them out of a default scope, even for an app an
 * admin approved them for.
 */
class ServiceScopesIT {
    private static final String SERVICE = "admin:* connections:read events:publish";

    private final Http api = Http.anonymous();
    private String read;
    private String appOrg;

    @BeforeEach
    void setUp() {
        read = Fixtures.scope("tasks", false);
        appOrg = Fixtures.org(Fixtures.admin());
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({"admin:*, self", "admin:*, app", "connections:read, self", "connections:read, app",
            "events:publish, self", "events:publish, app"})
    void authorizeAskingForAServiceScopeThenInvalidScopeAtTheRedirectUri(String scope, String actor) {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("scope", read + " " + SERVICE,
                "actor_modes", List.of("self", "app")));
        var pkce = Fixtures.pkce();

        Http.Response response = Http.browser().get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", read + " " + scope,
                "state", "st", "actor", actor, "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));

        assertThat(response.status()).as(response.body()).isEqualTo(302);
        assertThat(response.location()).startsWith(Fixtures.REDIRECT_URI);
        Map<String, String> answer = Http.queryOf(response.location());
        assertThat(answer.get("error")).isEqualTo("invalid_scope");
        assertThat(answer.get("state")).isEqualTo("st");
        assertThat(answer).doesNotContainKey("code");
    }

    @Test
    void authorizeWithoutScopeThenTheConsentPageNeverOffersAServiceScope() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("scope", read + " " + SERVICE));
        OAuthBrowser browser = new OAuthBrowser(Fixtures.newUser());
        var pkce = Fixtures.pkce();

        Http.Response page = browser.signIn(browser.open(Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "state", "st", "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256")));

        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<String> offered = new ArrayList<>();
        Jsoup.parse(page.body()).select("input[type=checkbox][name=scope]").forEach(box -> offered.add(box.attr("value")));
        assertThat(offered).containsExactly(read);
        String code = Http.queryOf(browser.decide(page, "yes").location()).get("code");
        JsonNode tokens = app.exchange(new OAuthBrowser.Code(code, pkce.verifier()));
        assertThat(tokens.get("scope").asText()).isEqualTo(read);
    }

    @Test
    void passwordGrantAskingForAServiceScopeThenInvalidScopeAndByDefaultLeftOut() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of(), "scope", read + " " + SERVICE));
        Fixtures.User user = Fixtures.newUser();

        for (String scope : SERVICE.split(" ")) {
            Http.Response refused = password(app, user, scope);
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("invalid_scope");
        }
        Http.Response defaulted = password(app, user, null);
        assertThat(defaulted.status()).as(defaulted.body()).isEqualTo(200);
        assertThat(defaulted.text("scope")).isEqualTo(read);
    }

    @Test
    void consentsApiRefusesAServiceScope() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("scope", read + " " + SERVICE));
        Http user = Fixtures.newUser().login();

        for (String scope : SERVICE.split(" ")) {
            Http.Response refused = user.postJson("/api/v1/oauth/consents",
                    Map.of("client_id", app.clientId(), "scopes", List.of(read, scope)));
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.text("error")).isEqualTo("validation_failed");
        }
        assertThat(user.get("/api/v1/oauth/consents").json().get("data")).isEmpty();
    }

    @Test
    void installationTokenAskingForAServiceScopeThenInvalidScopeAndByDefaultLeftOut() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", read + " events:publish"));

        Http.Response refused = clientCredentials(app, "organization_id", appOrg, "scope", "events:publish");
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("invalid_scope");
        Http.Response installation = clientCredentials(app, "organization_id", appOrg);
        assertThat(installation.status()).as(installation.body()).isEqualTo(200);
        assertThat(installation.text("scope")).isEqualTo(read);
        Http.Response service = clientCredentials(app);
        assertThat(service.status()).as(service.body()).isEqualTo(200);
        assertThat(service.text("scope")).as("the service token carries it").isEqualTo(read + " events:publish");
    }

    @Test
    void refreshOfAnOlderGrantCarryingAServiceScopeLeavesItOut() throws SQLException {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), appOrg, Map.of("grant_types", List.of("password", "refresh_token"),
                "redirect_uris", List.of(), "scope", read + " connections:read"));
        JsonNode login = password(app, Fixtures.newUser(), null).json();
        assertThat(login.get("scope").asText()).isEqualTo(read);
        grantAsIssuedBeforeTheRule(app.clientId(), read + " connections:read");

        Http.Response asked = refresh(app, login.get("refresh_token").asText(), "connections:read");
        assertThat(asked.status()).as(asked.body()).isEqualTo(400);
        assertThat(asked.text("error")).isEqualTo("invalid_scope");
        Http.Response refreshed = refresh(app, login.get("refresh_token").asText(), null);
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.text("scope")).isEqualTo(read);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Makes the app's grants and refresh tokens carry {@code scope}, as a grant issued under the old rules did. */
    private static void grantAsIssuedBeforeTheRule(String clientId, String scope) throws SQLException {
        try (var connection = DriverManager.getConnection(TestDatabase.url())) {
            for (String table : List.of("token_grants", "refresh_tokens")) {
                try (var statement = connection.prepareStatement("UPDATE " + table + " SET scope = ? WHERE client_id = ?")) {
                    statement.setString(1, scope);
                    statement.setString(2, clientId);
                    assertThat(statement.executeUpdate()).isEqualTo(1);
                }
            }
        }
    }

    private Http.Response password(Fixtures.App app, Fixtures.User user, String scope) {
        List<String> form = new ArrayList<>(List.of("grant_type", "password", "username", user.username(),
                "password", user.password()));
        if (scope != null) {
            form.addAll(List.of("scope", scope));
        }
        return api.postForm("/oauth/token", Http.form(form.toArray(String[]::new)), "Authorization", app.basic());
    }

    private Http.Response refresh(Fixtures.App app, String refreshToken, String scope) {
        List<String> form = new ArrayList<>(List.of("grant_type", "refresh_token", "refresh_token", refreshToken));
        if (scope != null) {
            form.addAll(List.of("scope", scope));
        }
        return api.postForm("/oauth/token", Http.form(form.toArray(String[]::new)), "Authorization", app.basic());
    }

    private Http.Response clientCredentials(Fixtures.App app, String... extra) {
        List<String> form = new ArrayList<>(List.of("grant_type", "client_credentials"));
        form.addAll(List.of(extra));
        return api.postForm("/oauth/token", Http.form(form.toArray(String[]::new)), "Authorization", app.basic());
    }
}
