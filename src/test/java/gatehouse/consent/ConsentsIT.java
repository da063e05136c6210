package gatehouse.consent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Consents (docs/http.md, "The management API"): create, list, history, revoke — and revoking kills the app's tokens for the user. */
class ConsentsIT {
    private final Fixtures.Tenant tenant = Fixtures.tenant("consent");
    private final String second = Fixtures.scope("consent2", false);
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(),
            Map.of("scope", tenant.scope() + " " + second));
    private final Http session = tenant.user().login();

    private static List<JsonNode> data(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        response.json().get("data").forEach(items::add);
        return items;
    }

    @Test
    void approvingOnTheConsentPageShowsUpInListAndHistory() {
        new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope());

        List<JsonNode> consents = data(session.get("/api/v1/oauth/consents"));
        assertThat(consents).hasSize(1);
        JsonNode consent = consents.get(0);
        assertThat(consent.get("client_id").asText()).isEqualTo(app.clientId());
        assertThat(consent.get("organization_id").asText()).isEqualTo(tenant.orgId());
        assertThat(consent.get("actor").asText()).isEqualTo("self");
        assertThat(consent.get("scopes")).extracting(JsonNode::asText).containsExactly(tenant.scope());

        List<JsonNode> history = data(session.get("/api/v1/oauth/consents/history"));
        assertThat(history).hasSize(1);
        assertThat(history.get(0).get("event").asText()).isEqualTo("granted");
        assertThat(history.get(0).get("consent_id").asText()).isEqualTo(consent.get("id").asText());
    }

    @Test
    void createThenWidenRecordsGrantedThenUpdatedAndAnUnchangedRepeatRecordsNothing() {
        Http.Response created = session.postJson("/api/v1/oauth/consents", Map.of("client_id", app.clientId(),
                "scopes", List.of(tenant.scope()), "organization_id", tenant.orgId()));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Http.Response widened = session.postJson("/api/v1/oauth/consents", Map.of("client_id", app.clientId(),
                "scopes", List.of(second), "organization_id", tenant.orgId()));
        assertThat(widened.json().get("id").asText()).isEqualTo(created.json().get("id").asText());
        assertThat(widened.json().get("scopes")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(tenant.scope(), second);
        session.postJson("/api/v1/oauth/consents", Map.of("client_id", app.clientId(),
                "scopes", List.of(second), "organization_id", tenant.orgId()));

        assertThat(data(session.get("/api/v1/oauth/consents/history")))
                .extracting(e -> e.get("event").asText()).containsExactly("granted", "updated");
    }

    @Test
    void revokeEndsTheConsentAndTheAppsTokensForTheUserAndTheNextAuthorizeAsksAgain() {
        var browser = new OAuthBrowser(tenant.user());
        JsonNode tokens = app.exchange(browser.authorizationCode(app, tenant.scope()));
        String consentId = data(session.get("/api/v1/oauth/consents")).get(0).get("id").asText();

        assertThat(session.delete("/api/v1/oauth/consents/" + consentId).status()).isEqualTo(204);

        assertThat(app.isActive(tokens.get("access_token").asText())).isFalse();
        assertThat(app.isActive(tokens.get("refresh_token").asText())).isFalse();
        assertThat(data(session.get("/api/v1/oauth/consents"))).isEmpty();
        assertThat(data(session.get("/api/v1/oauth/consents/history")))
                .extracting(e -> e.get("event").asText()).containsExactly("granted", "revoked");
        Http.Response again = browser.open(Http.form("response_type", "code", "client_id", app.clientId(),
                "scope", tenant.scope(), "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256"));
        assertThat(again.status()).as("the consent page is shown again").isEqualTo(200);
        assertThat(session.delete("/api/v1/oauth/consents/" + consentId).status()).isEqualTo(404);
    }

    @Test
    void anotherUserCannotSeeOrRevokeMyConsent() {
        new OAuthBrowser(tenant.user()).authorizationCode(app, tenant.scope());
        String consentId = data(session.get("/api/v1/oauth/consents")).get(0).get("id").asText();
        Http stranger = Fixtures.newUser().login();
        assertThat(data(stranger.get("/api/v1/oauth/consents"))).isEmpty();
        assertThat(stranger.delete("/api/v1/oauth/consents/" + consentId).status()).isEqualTo(404);
        assertThat(data(session.get("/api/v1/oauth/consents"))).hasSize(1);
    }

    @Test
    void createWithAScopeTheAppMayNotUseOrAnUnknownAppOrAForeignOrganizationIsRefused() {
        String foreign = Fixtures.scope("foreign", false);
        assertThat(session.postJson("/api/v1/oauth/consents", Map.of("client_id", app.clientId(),
                "scopes", List.of(foreign))).text("error")).isEqualTo("validation_failed");
        assertThat(session.postJson("/api/v1/oauth/consents", Map.of("client_id", "foapp_nope",
                "scopes", List.of())).text("error")).isEqualTo("validation_failed");
        String otherOrg = Fixtures.org(Fixtures.admin());
        assertThat(session.postJson("/api/v1/oauth/consents", Map.of("client_id", app.clientId(),
                "scopes", List.of(tenant.scope()), "organization_id", otherOrg)).status()).isEqualTo(403);
    }
}
