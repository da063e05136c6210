package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.assertError;
import static gatehouse.testing.OAuthAssertions.introspect;
import static gatehouse.testing.OAuthAssertions.isActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The password grant (RFC 6749 §4.3, docs/http.md, "Conventions" and §4): only for confidential apps that enable it;
 * a token acting as the user, with no organization unless one of the user's is named; and logins that
 * are not installation-bound (README: refreshing replaces only that login's access token).
 */
class PasswordGrantIT {
    private static final String TOKEN = "/oauth/token";

    private final Http api = Http.anonymous();
    private Fixtures.User user;
    private String userOrgId;
    private String read;
    private Fixtures.App app;

    @BeforeEach
    void setUp() {
        user = Fixtures.newUser();
        userOrgId = Fixtures.org(user.login());
        read = Fixtures.scope("notes", false);
        String appOrgId = Fixtures.org(Fixtures.newUser().login());
        app = Fixtures.app(Fixtures.admin(), appOrgId, Map.of("grant_types", List.of("password", "refresh_token"),
                "redirect_uris", List.of(), "scope", read));
    }

    @Test
    void tokenWhenCredentialsRightThenTokensActingAsTheUserWithoutOrganization() {
        Http.Response response = password(app, user.username(), user.password());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.header("Pragma")).isEqualTo("no-cache");
        JsonNode tokens = response.json();
        assertThat(tokens.get("access_token").asText()).startsWith("foot_");
        assertThat(tokens.get("refresh_token").asText()).startsWith("foor_");
        assertThat(tokens.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.get("expires_in").asLong()).isEqualTo(3600);
        assertThat(tokens.get("actor").asText()).isEqualTo("self");
        assertThat(tokens.hasNonNull("organization_id")).as("no organization: %s", tokens).isFalse();
        assertThat(tokens.get("scope").asText()).isEqualTo(read);

        JsonNode info = tokenInfo(tokens.get("access_token").asText());
        assertThat(info.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(info.get("user_id").asText()).isEqualTo(user.id());
        assertThat(info.get("actor").asText()).isEqualTo("self");
        assertThat(info.hasNonNull("organization_id")).as("no organization: %s", info).isFalse();

        JsonNode introspection = introspect(app, tokens.get("access_token").asText());
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("sub").asText()).isEqualTo(user.id());
        assertThat(introspection.get("username").asText()).isEqualTo(user.username());
        assertThat(introspection.get("actor").asText()).isEqualTo("self");
    }

    @Test
    void tokenWhenUsernameInAnotherCaseThenSameUser() {
        Http.Response response = password(app, user.username().toUpperCase(), user.password());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(tokenInfo(response.text("access_token")).get("user_id").asText()).isEqualTo(user.id());
    }

    @Test
    void tokenWithOrganizationOfTheUserThenThatOrganization() {
        Http.Response response = password(app, user.username(), user.password(), "organization_id", userOrgId);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.text("organization_id")).isEqualTo(userOrgId);
        assertThat(response.text("actor")).isEqualTo("self");
        JsonNode info = tokenInfo(response.text("access_token"));
        assertThat(info.get("organization_id").asText()).isEqualTo(userOrgId);
        assertThat(info.get("user_id").asText()).isEqualTo(user.id());
    }

    @Test
    void tokenWithOrganizationTheUserIsNotInThenInvalidGrant() {
        String otherOrg = Fixtures.org(Fixtures.newUser().login());
        assertError(password(app, user.username(), user.password(), "organization_id", otherOrg), 400, "invalid_grant");
        assertError(password(app, user.username(), user.password(), "organization_id", "00000000-0000-7000-8000-000000000000"),
                400, "invalid_grant");
    }

    @Test
    void tokenWithMalformedOrganizationIdThenInvalidRequest() {
        assertError(password(app, user.username(), user.password(), "organization_id", "not-a-uuid"), 400, "invalid_request");
    }

    @Test
    void tokenWhenPasswordWrongOrUserUnknownThenInvalidGrant() {
        Http.Response wrong = password(app, user.username(), user.password() + "x");
        Http.Response unknown = password(app, Fixtures.unique("ghost") + "@example.test", user.password());

        assertError(wrong, 400, "invalid_grant");
        assertError(unknown, 400, "invalid_grant");
        assertThat(unknown.body()).as("no account enumeration").isEqualTo(wrong.body());
    }

    @Test
    void tokenWithoutUsernameOrPasswordThenInvalidRequest() {
        assertError(api.postForm(TOKEN, Http.form("grant_type", "password", "username", user.username()),
                "Authorization", app.basic()), 400, "invalid_request");
        assertError(api.postForm(TOKEN, Http.form("grant_type", "password", "password", user.password()),
                "Authorization", app.basic()), 400, "invalid_request");
    }

    @Test
    void tokenWhenAppNotRegisteredForPasswordThenUnauthorizedClient() {
        String orgId = Fixtures.org(Fixtures.newUser().login());
        Fixtures.App codeApp = Fixtures.app(Fixtures.admin(), orgId, Map.of());
        Fixtures.App serviceApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app")));

        assertError(password(codeApp, user.username(), user.password()), 400, "unauthorized_client");
        assertError(password(serviceApp, user.username(), user.password()), 400, "unauthorized_client");
    }

    @Test
    void tokenWhenScopeNotRegisteredForAppThenInvalidScope() {
        String other = Fixtures.scope("other", false);
        assertError(password(app, user.username(), user.password(), "scope", other), 400, "invalid_scope");
    }

    @Test
    void tokenWithoutRefreshGrantThenNoRefreshToken() {
        String orgId = Fixtures.org(Fixtures.newUser().login());
        Fixtures.App noRefresh = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of()));

        Http.Response response = password(noRefresh, user.username(), user.password());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().hasNonNull("refresh_token")).as(response.body()).isFalse();
    }

    @Test
    void refreshReplacesOnlyThatLoginsAccessToken() {
        JsonNode laptop = password(app, user.username(), user.password()).json();
        JsonNode phone = password(app, user.username(), user.password()).json();
        String laptopAccess = laptop.get("access_token").asText();
        String phoneAccess = phone.get("access_token").asText();
        assertThat(active(laptopAccess)).as("two logins keep a token each").isTrue();
        assertThat(active(phoneAccess)).isTrue();

        Http.Response refreshed = api.postForm(TOKEN, Http.form("grant_type", "refresh_token",
                "refresh_token", laptop.get("refresh_token").asText()), "Authorization", app.basic());

        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        String newLaptopAccess = refreshed.text("access_token");
        assertThat(newLaptopAccess).startsWith("foot_").isNotEqualTo(laptopAccess);
        assertThat(refreshed.text("actor")).isEqualTo("self");
        assertThat(refreshed.json().hasNonNull("organization_id")).isFalse();
        assertThat(active(newLaptopAccess)).isTrue();
        assertThat(active(laptopAccess)).as("the refreshed login's old access token is replaced").isFalse();
        assertThat(active(phoneAccess)).as("the other login is untouched").isTrue();
        assertThat(tokenInfo(newLaptopAccess).get("user_id").asText()).isEqualTo(user.id());

        Http.Response phoneRefresh = api.postForm(TOKEN, Http.form("grant_type", "refresh_token",
                "refresh_token", phone.get("refresh_token").asText()), "Authorization", app.basic());
        assertThat(phoneRefresh.status()).as(phoneRefresh.body()).isEqualTo(200);
        assertThat(active(newLaptopAccess)).as("refreshing the phone leaves the laptop alone").isTrue();
        assertThat(active(phoneAccess)).isFalse();
        assertThat(active(phoneRefresh.text("access_token"))).isTrue();
    }

    @Test
    void refreshKeepsTheOrganizationOfTheLogin() {
        JsonNode tokens = password(app, user.username(), user.password(), "organization_id", userOrgId).json();

        Http.Response refreshed = api.postForm(TOKEN, Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());

        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.text("organization_id")).isEqualTo(userOrgId);
        assertThat(tokenInfo(refreshed.text("access_token")).get("organization_id").asText()).isEqualTo(userOrgId);
    }

    @Test
    void anotherLoginOfTheSameUserWithAnOrganizationLeavesTheFirstLoginValid() {
        String first = password(app, user.username(), user.password(), "organization_id", userOrgId).text("access_token");
        String second = password(app, user.username(), user.password(), "organization_id", userOrgId).text("access_token");

        assertThat(active(first)).as("password logins are not installation-bound").isTrue();
        assertThat(active(second)).isTrue();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Http.Response password(Fixtures.App client, String username, String password, String... extra) {
        String[] fields = new String[6 + extra.length];
        fields[0] = "grant_type";
        fields[1] = "password";
        fields[2] = "username";
        fields[3] = username;
        fields[4] = "password";
        fields[5] = password;
        System.arraycopy(extra, 0, fields, 6, extra.length);
        return api.postForm(TOKEN, Http.form(fields), "Authorization", client.basic());
    }

    private JsonNode tokenInfo(String accessToken) {
        Http.Response response = api.get("/oauth/token/info", "Authorization", "Bearer " + accessToken);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private boolean active(String accessToken) {
        return isActive(app, accessToken);
    }
}
