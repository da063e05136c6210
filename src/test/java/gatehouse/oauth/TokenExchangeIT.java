package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Token exchange (RFC 8693) over HTTP, the request made by Nimbus' client: an admin-approved
 * service exchanges a user's token for a narrower one, with delegation (act) when it presents its
 * own actor token, for a resource server when it names one; and the refusals — an app not
 * approved, widening scopes, a dead subject token, another app's actor token, a public app.
 */
class TokenExchangeIT {
    private static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    private static final String ACCESS = "urn:ietf:params:oauth:token-type:access_token";
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("tx");
    private final String narrow = Fixtures.scope("tx-narrow", false);
    private final Fixtures.App web = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope",
            tenant.scope() + " " + narrow));
    private final Fixtures.App service = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope",
            tenant.scope() + " " + narrow, "grant_types", List.of(GRANT, "client_credentials")));

    private String userToken() {
        var code = new OAuthBrowser(tenant.user()).authorizationCode(web, tenant.scope() + " " + narrow);
        return web.exchange(code).get("access_token").asText();
    }

    private Http.Response exchange(Fixtures.App by, String... extra) {
        String[] form = new String[4 + extra.length];
        form[0] = "grant_type";
        form[1] = GRANT;
        form[2] = "subject_token_type";
        form[3] = ACCESS;
        System.arraycopy(extra, 0, form, 4, extra.length);
        return api.postForm("/oauth/token", Http.form(form), "Authorization", by.basic());
    }

    private JsonNode introspect(String token) {
        return api.postForm("/oauth/introspect", Http.form("token", token), "Authorization", service.basic()).json();
    }

    @Test
    void aServiceExchangesAUsersTokenForANarrowerOneWithNimbusClient() throws Exception {
        String subject = userToken();
        var grant = new com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant(new BearerAccessToken(subject),
                TokenTypeURI.ACCESS_TOKEN);
        var request = new TokenRequest(URI.create(issuer + "/oauth/token"), new ClientSecretBasic(
                new ClientID(service.clientId()), new Secret(service.secret())), grant, new Scope(narrow));
        TokenResponse response = TokenResponse.parse(request.toHTTPRequest().send());
        assertThat(response.indicatesSuccess()).as(() -> response.toErrorResponse().getErrorObject().toString()).isTrue();
        var tokens = response.toSuccessResponse().getTokens();
        assertThat(tokens.getAccessToken().getScope().toStringList()).containsExactly(narrow);
        assertThat(tokens.getRefreshToken()).isNull();
        assertThat(tokens.getAccessToken().getIssuedTokenType()).isEqualTo(TokenTypeURI.ACCESS_TOKEN);

        JsonNode facts = introspect(tokens.getAccessToken().getValue());
        assertThat(facts.get("active").asBoolean()).isTrue();
        assertThat(facts.get("sub").asText()).isEqualTo(tenant.user().id());
        assertThat(facts.get("client_id").asText()).isEqualTo(service.clientId());
        assertThat(facts.get("organization_id").asText()).isEqualTo(tenant.orgId());
        assertThat(facts.has("act")).isFalse();
        long subjectExpires = api.postForm("/oauth/introspect", Http.form("token", subject), "Authorization", web.basic())
                .json().get("exp").asLong();
        assertThat(facts.get("exp").asLong()).as("never outlives the subject").isLessThanOrEqualTo(subjectExpires);

        Integer audited = TestServer.get().app().database().withHandle(handle -> handle.createQuery("""
                        SELECT count(*) FROM audit_logs WHERE action = 'token.issued' AND client_id = :client
                          AND details->>'grant_type' = :grant""")
                .bind("client", service.clientId()).bind("grant", GRANT).mapTo(Integer.class).one());
        assertThat(audited).isEqualTo(1);
    }

    @Test
    void anActorTokenOfTheServiceMakesItDelegationNamedInAct() {
        String actor = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).text("access_token");
        Http.Response delegated = exchange(service, "subject_token", userToken(), "actor_token", actor,
                "actor_token_type", ACCESS);
        assertThat(delegated.status()).as(delegated.body()).isEqualTo(200);
        JsonNode act = introspect(delegated.text("access_token")).get("act");
        assertThat(act.get("client_id").asText()).isEqualTo(service.clientId());
        assertThat(act.get("sub").asText()).isEqualTo(service.clientId());

        String foreignActor = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("grant_types",
                        List.of("client_credentials"))).basic()).text("access_token");
        Http.Response foreign = exchange(service, "subject_token", userToken(), "actor_token", foreignActor,
                "actor_token_type", ACCESS);
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(foreign.text("error")).isEqualTo("invalid_request");
    }

    @Test
    void anExchangeNeverWidensAndRefusesDeadOrAppTokens() {
        String subject = userToken();
        String other = Fixtures.scope("tx-other", false);
        Http.Response wider = exchange(service, "subject_token", subject, "scope", narrow + " " + other);
        assertThat(wider.status()).isEqualTo(400);
        assertThat(wider.text("error")).isEqualTo("invalid_scope");

        assertThat(exchange(service, "subject_token", "foot_not-a-token").text("error")).isEqualTo("invalid_request");
        String appToken = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic()).text("access_token");
        assertThat(exchange(service, "subject_token", appToken).text("error")).isEqualTo("invalid_request");
        api.postForm("/oauth/revoke", Http.form("token", subject), "Authorization", web.basic());
        assertThat(exchange(service, "subject_token", subject).text("error")).isEqualTo("invalid_request");
        Http.Response wrongType = api.postForm("/oauth/token", Http.form("grant_type", GRANT, "subject_token",
                userToken(), "subject_token_type", "urn:ietf:params:oauth:token-type:id_token"), "Authorization",
                service.basic());
        assertThat(wrongType.text("error")).isEqualTo("invalid_request");
    }

    @Test
    void onlyAnAppAnAdminApprovedMayExchangeAndNeverAPublicOne() {
        Http owner = tenant.user().login();
        Http.Response created = owner.postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("grant_types", List.of(GRANT), "redirect_uris", List.of())));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("pending_grant_types").toString()).contains(GRANT);
        var pending = new Fixtures.App(created.text("client_id"), created.text("client_secret"), created.json());
        Http.Response refused = exchange(pending, "subject_token", userToken());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("unauthorized_client");

        Http.Response publicApp = Fixtures.admin().postJson("/api/v1/oauth/clients", Fixtures.appBody(tenant.orgId(),
                Map.of("confidential", false, "grant_types", List.of(GRANT), "redirect_uris", List.of())));
        assertThat(publicApp.status()).isEqualTo(400);
    }

    @Test
    void aTokenForAResourceServerIsThatServersToExchangeAndKeepsItsAudience() {
        String resource = "https://" + Fixtures.unique("tx-gw") + ".example.test";
        var gateway = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("resource_server", true, "resource", resource,
                "scope", tenant.scope(), "grant_types", List.of(GRANT)));
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(tenant.user()).authorize(Http.form("response_type", "code", "client_id",
                web.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", tenant.scope(), "state", "s",
                "resource", resource, "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        String forGateway = web.exchange(new OAuthBrowser.Code(Http.queryOf(location).get("code"), pkce.verifier()))
                .get("access_token").asText();

        Http.Response byOther = exchange(service, "subject_token", forGateway);
        assertThat(byOther.status()).isEqualTo(400);
        assertThat(byOther.text("error")).isEqualTo("invalid_request");
        Http.Response byGateway = exchange(gateway, "subject_token", forGateway);
        assertThat(byGateway.status()).as(byGateway.body()).isEqualTo(200);
        JsonNode facts = api.postForm("/oauth/introspect", Http.form("token", byGateway.text("access_token")),
                "Authorization", gateway.basic()).json();
        assertThat(facts.get("aud").asText()).as("never for more than the subject was").isEqualTo(resource);
    }

    @Test
    void withdrawingTheApprovalRevokesTheTokensItExchanged() {
        Http.Response issued = exchange(service, "subject_token", userToken());
        assertThat(introspect(issued.text("access_token")).get("active").asBoolean()).isTrue();
        Http.Response withdrawn = Fixtures.admin().delete("/api/v1/oauth/clients/" + service.clientId()
                + "/approvals/grant_types/" + GRANT);
        assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(204);
        assertThat(introspect(issued.text("access_token")).get("active").asBoolean()).isFalse();
        assertThat(exchange(service, "subject_token", userToken()).text("error")).isEqualTo("unauthorized_client");
    }

    @Test
    void anExchangeForScopesTheAppMayNotUseIsInvalidScope() {
        var unrelated = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", Fixtures.scope("tx-unrelated", false),
                "grant_types", List.of(GRANT)));
        Http.Response refused = exchange(unrelated, "subject_token", userToken());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.text("error")).isEqualTo("invalid_scope");
    }

    @Test
    void anExchangeForAResourceServerGetsItsAudience() {
        String resource = "https://" + Fixtures.unique("tx-api") + ".example.test";
        Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("resource_server", true, "resource", resource,
                "grant_types", List.of("client_credentials")));
        Http.Response issued = exchange(service, "subject_token", userToken(), "audience", resource);
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        assertThat(introspect(issued.text("access_token")).get("aud").asText()).isEqualTo(resource);
        assertThat(exchange(service, "subject_token", userToken(), "audience", "https://nobody.example.test")
                .text("error")).isEqualTo("invalid_target");
    }
}
