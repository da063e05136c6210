package gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit log (docs/http.md, "The management API"): one test per recorded action, who may read it, and that it cannot change. */
class AuditLogIT {
    private final Fixtures.Tenant tenant = Fixtures.tenant("audit");
    private final Http owner = tenant.user().login();

    private static List<JsonNode> entries(Http session, String query) {
        Http.Response response = session.get("/api/v1/audit-logs?limit=200&" + query);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        response.json().get("data").forEach(items::add);
        return items;
    }

    private static JsonNode onlyEntry(String action, String clientId) {
        List<JsonNode> found = entries(Fixtures.admin(), "action=" + action + "&client_id=" + clientId);
        assertThat(found).as(action).hasSize(1);
        return found.get(0);
    }

    @Test
    void clientCreatedIsRecordedWithActorOrganizationOriginAndNoSecret() {
        Fixtures.App app = Fixtures.app(owner, tenant.orgId(), Map.of());
        JsonNode entry = onlyEntry("client.created", app.clientId());
        assertThat(entry.get("actor_type").asText()).isEqualTo("user");
        assertThat(entry.get("actor_id").asText()).isEqualTo(tenant.user().id());
        assertThat(entry.get("organization_id").asText()).isEqualTo(tenant.orgId());
        assertThat(entry.get("outcome").asText()).isEqualTo("success");
        assertThat(entry.get("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(entry.get("user_agent").asText()).isNotBlank();
        assertThat(entry.get("at").asText()).endsWith("Z");
        assertThat(entry.toString()).doesNotContain(app.secret());
    }

    @Test
    void clientUpdatedDeletedAndSecretRotatedAreRecorded() {
        Fixtures.App app = Fixtures.app(owner, tenant.orgId(), Map.of());
        owner.putJson("/api/v1/oauth/clients/" + app.clientId(), Map.of("name", "Renamed"));
        assertThat(onlyEntry("client.updated", app.clientId()).get("details").get("fields").toString()).contains("name");
        var rotated = owner.postJson("/api/v1/oauth/clients/" + app.clientId() + "/secret", Map.of("grace_seconds", 30));
        JsonNode rotation = onlyEntry("client.secret_rotated", app.clientId());
        assertThat(rotation.get("details").get("grace_seconds").asInt()).isEqualTo(30);
        assertThat(rotation.toString()).doesNotContain(rotated.text("client_secret"));
        owner.delete("/api/v1/oauth/clients/" + app.clientId());
        assertThat(onlyEntry("client.deleted", app.clientId()).get("organization_id").asText()).isEqualTo(tenant.orgId());
    }

    @Test
    void userCreatedUpdatedAndDeletedAreRecorded() {
        var user = Fixtures.newUser();
        List<JsonNode> created = entries(Fixtures.admin(), "action=user.created&actor_id=" + user.id());
        assertThat(created).hasSize(1);
        assertThat(created.get(0).get("details").get("username").asText()).isEqualTo(user.username());
        assertThat(created.get(0).toString()).doesNotContain(user.password());

        Fixtures.admin().putJson("/api/v1/users/" + user.id(), Map.of("name", "Changed"));
        Fixtures.admin().delete("/api/v1/users/" + user.id());
        String adminId = Fixtures.admin().get("/api/v1/users/me").text("id");
        assertThat(entries(Fixtures.admin(), "action=user.updated&actor_id=" + adminId))
                .anySatisfy(e -> assertThat(e.get("details").get("user_id").asText()).isEqualTo(user.id()));
        assertThat(entries(Fixtures.admin(), "action=user.deleted&actor_id=" + adminId))
                .anySatisfy(e -> assertThat(e.get("details").get("user_id").asText()).isEqualTo(user.id()));
    }

    @Test
    void consentGrantedAndRevokedAreRecorded() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope());
        JsonNode granted = onlyEntry("consent.granted", app.clientId());
        assertThat(granted.get("actor_id").asText()).isEqualTo(tenant.user().id());
        assertThat(granted.get("organization_id").asText()).isEqualTo(tenant.orgId());

        String consentId = granted.get("details").get("consent_id").asText();
        assertThat(owner.delete("/api/v1/oauth/consents/" + consentId).status()).isEqualTo(204);
        assertThat(onlyEntry("consent.revoked", app.clientId()).get("details").get("consent_id").asText())
                .isEqualTo(consentId);
    }

    @Test
    void aRefusedChangeLeavesNoEntry() {
        String name = Fixtures.unique("Refused");
        Http.Response refused = owner.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("name", name, "redirect_uris", List.of("http://evil.example/cb"))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(entries(Fixtures.admin(), "action=client.created&actor_id=" + tenant.user().id()))
                .noneSatisfy(e -> assertThat(e.get("details").get("name").asText()).isEqualTo(name));
    }

    @Test
    void organizationOwnerSeesOnlyTheirOrganizationAndAPlainMemberNothing() {
        Fixtures.App mine = Fixtures.app(owner, tenant.orgId(), Map.of());
        var other = Fixtures.tenant("audit-other");
        Fixtures.App theirs = Fixtures.app(other.user().login(), other.orgId(), Map.of());

        List<JsonNode> visible = entries(owner, "action=client.created");
        assertThat(visible).extracting(e -> e.get("client_id").asText()).contains(mine.clientId())
                .doesNotContain(theirs.clientId());
        assertThat(owner.get("/api/v1/audit-logs?organization_id=" + other.orgId()).status()).isEqualTo(403);
        assertThat(Fixtures.newUser().login().get("/api/v1/audit-logs").status()).isEqualTo(403);
        assertThat(owner.get("/api/v1/audit-logs?since=yesterday").status()).isEqualTo(400);
    }

    @Test
    void timeFilterTakesAnyRfc3339OffsetAndRefusesYearsNoEntryCanHave() {
        Http admin = Fixtures.admin();
        assertThat(admin.get("/api/v1/audit-logs?since=2026-01-31T12:00:00%2B02:00&until=2999-01-01T00:00:00Z").status())
                .isEqualTo(200);
        for (String time : new String[] {"-5000-01-01T00:00:00Z", "%2B300000-01-01T00:00:00Z", "1969-12-31T23:59:59Z"}) {
            Http.Response refused = admin.get("/api/v1/audit-logs?since=" + time);
            assertThat(refused.status()).as(time).isEqualTo(400);
            assertThat(refused.json().get("error").asText()).isEqualTo("validation_failed");
        }
    }

    @Test
    void databaseRefusesToUpdateOrDeleteAuditEntries() {
        Fixtures.app(owner, tenant.orgId(), Map.of());
        var database = TestServer.get().app().database();
        assertThatThrownBy(() -> database.withHandle(h -> h.createUpdate("UPDATE audit_logs SET action = 'x'").execute()))
                .hasMessageContaining("cannot be changed");
        assertThatThrownBy(() -> database.withHandle(h -> h.createUpdate("DELETE FROM audit_logs").execute()))
                .hasMessageContaining("cannot be changed");
        assertThatThrownBy(() -> database.withHandle(h -> h.createUpdate("TRUNCATE audit_logs").execute()))
                .hasMessageContaining("cannot be changed");
        assertThat(entries(Fixtures.admin(), "action=client.created")).isNotEmpty();
    }

    @Test
    void tokenIssuedRefreshedRevokedAndReuseDetectedAreRecordedWithoutTokenValues() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        JsonNode tokens = app.exchange(new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope()));
        JsonNode issued = onlyEntry("token.issued", app.clientId());
        assertThat(issued.get("actor_type").asText()).isEqualTo("client");
        assertThat(issued.get("details").get("grant_type").asText()).isEqualTo("authorization_code");
        assertThat(issued.get("details").get("user_id").asText()).isEqualTo(tenant.user().id());
        assertThat(issued.toString()).doesNotContain(tokens.get("access_token").asText());

        Http api = Http.anonymous();
        String rotated = tokens.get("refresh_token").asText();
        JsonNode refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token",
                rotated), "Authorization", app.basic()).json();
        assertThat(onlyEntry("token.refreshed", app.clientId()).get("details").get("grant_type").asText())
                .isEqualTo("refresh_token");
        api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token", rotated),
                "Authorization", app.basic());
        assertThat(onlyEntry("token.reuse_detected", app.clientId()).get("organization_id").asText())
                .isEqualTo(tenant.orgId());

        Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                List.of("client_credentials"), "actor_modes", List.of("app"), "redirect_uris", List.of()));
        String token = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).text("access_token");
        assertThat(onlyEntry("token.issued", service.clientId()).get("details").get("grant_type").asText())
                .isEqualTo("client_credentials");
        api.postForm("/oauth/revoke", Http.form("token", token), "Authorization", service.basic());
        assertThat(onlyEntry("token.revoked", service.clientId()).get("details").get("token_type").asText())
                .isEqualTo("access_token");
        assertThat(refreshed.get("access_token").asText()).isNotBlank();
    }

    @Test
    void loginSucceededAndFailedAreRecordedWithoutPasswords() {
        var user = Fixtures.newUser();
        user.login();
        Http.browser().postJson("/api/v1/auth/login", Map.of("username", user.username(), "password", "wrong-password-123"));
        assertThat(entries(Fixtures.admin(), "action=login.succeeded&actor_id=" + user.id())).isNotEmpty();
        List<JsonNode> failed = entries(Fixtures.admin(), "action=login.failed");
        assertThat(failed).anySatisfy(e -> {
            assertThat(e.get("details").get("username").asText()).isEqualTo(user.username());
            assertThat(e.get("outcome").asText()).isEqualTo("failure");
            assertThat(e.get("actor_type").asText()).isEqualTo("anonymous");
        });
        assertThat(failed.toString()).doesNotContain("wrong-password-123").doesNotContain(user.password());
    }
}
