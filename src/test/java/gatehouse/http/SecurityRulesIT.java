package gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.RawHttp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rules that keep one party from reaching what belongs to another. */
class SecurityRulesIT {
    private final Http api = Http.anonymous();

    @Test
    void nulByteInAFormParameterThenInvalidRequestNotServerError() {
        Http.Response response = api.postForm("/oauth/token", "grant_type=client_credentials&client_id=a%00b");
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.text("error")).isEqualTo("invalid_request");
    }

    @Test
    void nulByteInAPathThenClientErrorNotServerError() {
        Http.Response response = RawHttp.send("GET", "/api/v1/oauth/clients/a%00b",
                "Cookie", "x=y");
        assertThat(response.status()).isBetween(400, 499);
    }

    @Test
    void bearerTokenWithoutAdminScopeOnManagementThen403WithBearerChallenge() {
        var user = Fixtures.newUser();
        String orgId = Fixtures.org(Fixtures.admin());
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("password")));
        String token = api.postForm("/oauth/token", Http.form("grant_type", "password", "username", user.username(),
                "password", user.password()), "Authorization", app.basic()).text("access_token");
        Http.Response response = api.get("/api/v1/orgs", "Authorization", "Bearer " + token);
        assertThat(response.status()).isEqualTo(403);
        assertThat(response.text("error")).isEqualTo("insufficient_scope");
        assertThat(response.header("WWW-Authenticate")).contains("insufficient_scope").contains("admin:*");
    }

    @Test
    void plainMemberCannotChangeAnAppHoldingAnApprovedRestrictedScopeButAnOrgAdminCan() {
        var owner = Fixtures.newUser();
        Http ownerSession = owner.login();
        String orgId = Fixtures.org(ownerSession);
        var member = Fixtures.newUser();
        assertThat(ownerSession.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", member.username(), "role", "member")).status()).isEqualTo(201);
        String restricted = Fixtures.scope("secret", true);
        // An admin creates the app, so the restricted scope is approved.
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", restricted,
                "grant_types", List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
        Http memberSession = member.login();

        Http.Response rotate = memberSession.postJson("/api/v1/oauth/clients/" + app.clientId() + "/secret", Map.of());
        assertThat(rotate.status()).as(rotate.body()).isEqualTo(403);
        assertThat(memberSession.putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("name", "mine now"))
                .status()).isEqualTo(403);
        assertThat(memberSession.delete("/api/v1/oauth/clients/" + app.clientId()).status()).isEqualTo(403);
        assertThat(memberSession.get("/api/v1/oauth/clients/" + app.clientId()).status()).isEqualTo(200);

        assertThat(ownerSession.postJson("/api/v1/oauth/clients/" + app.clientId() + "/secret", Map.of()).status())
                .isEqualTo(200);
    }

    @Test
    void plainMemberMayStillEditAnOrdinaryApp() {
        var owner = Fixtures.newUser();
        Http ownerSession = owner.login();
        String orgId = Fixtures.org(ownerSession);
        var member = Fixtures.newUser();
        ownerSession.postJson("/api/v1/orgs/" + orgId + "/members", Map.of("username", member.username(), "role", "member"));
        Fixtures.App app = Fixtures.app(ownerSession, orgId, Map.of());
        assertThat(member.login().putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("name", "Renamed"))
                .status()).isEqualTo(200);
    }

    @Test
    void removedMemberLosesTheTokensTheyHeldInThatOrganization() {
        var owner = Fixtures.newUser();
        Http ownerSession = owner.login();
        String orgId = Fixtures.org(ownerSession);
        var member = Fixtures.newUser();
        String memberId = ownerSession.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", member.username(), "role", "member")).text("user_id");
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of());
        var tokens = app.exchange(new OAuthBrowser(member).authorizationCode(app, ""));
        assertThat(tokens.get("organization_id").asText()).isEqualTo(orgId);
        assertThat(app.isActive(tokens.get("access_token").asText())).isTrue();

        assertThat(ownerSession.delete("/api/v1/orgs/" + orgId + "/members/" + memberId).status()).isEqualTo(204);

        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isFalse();
    }

    @Test
    void everyResponseForbidsContentSniffing() {
        assertThat(api.get("/health").header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(api.get("/no/such/path").header("X-Content-Type-Options")).isEqualTo("nosniff");
    }
}
