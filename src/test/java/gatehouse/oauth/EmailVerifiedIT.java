package gatehouse.oauth;

import static gatehouse.testing.OAuthAssertions.introspectActive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Eventually;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Whether the user a token acts for has a verified email address, as a resource server learns it:
 * {@code email_verified} in introspection and token info, also where unverified accounts may sign
 * in (this server does not require verified emails). Tokens acting as their app carry none.
 */
class EmailVerifiedIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("verified");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    private JsonNode tokenInfo(String token) {
        Http.Response response = api.get("/oauth/token/info", "Authorization", "Bearer " + token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    @Test
    void tokensActingAsAUserTellWhetherTheirEmailIsVerifiedAsItIsNow() {
        JsonNode tokens = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()));
        String access = tokens.get("access_token").asText();
        String refresh = tokens.get("refresh_token").asText();

        assertThat(introspectActive(app, access).get("email_verified").isBoolean()).isTrue();
        assertThat(introspectActive(app, access).get("email_verified").asBoolean()).isFalse();
        assertThat(introspectActive(app, refresh).get("email_verified").asBoolean()).isFalse();
        assertThat(tokenInfo(access).get("email_verified").asBoolean()).isFalse();

        // Stands for the user following their verification link: the same tokens now say so.
        TestServer.get().app().database().withHandle(handle -> handle
                .createUpdate("UPDATE users SET email_verified = true WHERE id = :id")
                .bind("id", UUID.fromString(tenant.user().id())).execute());
        // Told by the users trigger through NOTIFY, asynchronously: the cached token follows within moments.
        assertThat(Eventually.holdsWithin(Duration.ofSeconds(2),
                () -> introspectActive(app, access).get("email_verified").asBoolean())).isTrue();
        assertThat(introspectActive(app, refresh).get("email_verified").asBoolean()).isTrue();
        assertThat(tokenInfo(access).get("email_verified").asBoolean()).isTrue();
    }

    @Test
    void tokensActingAsTheAppCarryNoEmailVerified() {
        Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
        Http.Response issued = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic());
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        String token = issued.text("access_token");

        assertThat(introspectActive(service, token).has("email_verified")).isFalse();
        assertThat(tokenInfo(token).has("email_verified")).isFalse();
    }
}
