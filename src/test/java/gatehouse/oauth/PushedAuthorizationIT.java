package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.PushedAuthorizationRequest;
import com.nimbusds.oauth2.sdk.PushedAuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;

/**
 * Pushed authorization requests (RFC 9126) over HTTP with Nimbus' client side: push, send the
 * browser with the reference, sign in, approve, redeem; and the refusals.
 */
class PushedAuthorizationIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("par");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    /** Pushes an authorization request for {@code app} with Nimbus; returns the request_uri. */
    private URI push(Fixtures.App client, CodeVerifier verifier, String state) throws Exception {
        var request = new AuthorizationRequest.Builder(new ResponseType("code"), new ClientID(client.clientId()))
                .redirectionURI(URI.create(Fixtures.REDIRECT_URI))
                .scope(new Scope(tenant.scope()))
                .state(new State(state))
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        var par = new PushedAuthorizationRequest(URI.create(issuer + "/oauth/par"),
                new ClientSecretBasic(new ClientID(client.clientId()), new Secret(client.secret())), request);
        var response = PushedAuthorizationResponse.parse(par.toHTTPRequest().send());
        assertThat(response.indicatesSuccess()).as(() -> response.toErrorResponse().getErrorObject().toString()).isTrue();
        assertThat(response.toSuccessResponse().getLifetime()).isEqualTo(60);
        return response.toSuccessResponse().getRequestURI();
    }

    private String byReference(Fixtures.App client, URI requestUri) {
        return Http.form("client_id", client.clientId(), "request_uri", requestUri.toString());
    }

    @Test
    void metadataNamesTheEndpoint() {
        JsonNode metadata = api.get("/.well-known/oauth-authorization-server").json();
        assertThat(metadata.get("pushed_authorization_request_endpoint").asText()).isEqualTo(issuer + "/oauth/par");
    }

    @Test
    void aPushedRequestSignsInApprovesAndRedeemsAndOnlyItsReferenceTravelsThroughTheBrowser() throws Exception {
        var verifier = new CodeVerifier();
        URI requestUri = push(app, verifier, "pushed-state");
        assertThat(requestUri.toString()).startsWith("urn:ietf:params:oauth:request_uri:");

        var browser = new OAuthBrowser(tenant.user());
        Http.Response first = browser.open(byReference(app, requestUri));
        assertThat(first.location()).startsWith("/login?").doesNotContain("redirect_uri").doesNotContain("code_challenge");
        String location = browser.decide(browser.signIn(first), "yes").location();
        var callback = Http.queryOf(location);
        assertThat(location).startsWith(Fixtures.REDIRECT_URI);
        assertThat(callback.get("state")).isEqualTo("pushed-state");
        JsonNode tokens = app.exchange(new OAuthBrowser.Code(callback.get("code"), verifier.getValue()));
        assertThat(tokens.get("scope").asText()).isEqualTo(tenant.scope());

        // Used once: the reference issues no second code, and nothing is redirected for it.
        Http.Response again = browser.open(byReference(app, requestUri));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.header("Location")).isNull();
    }

    @Test
    void anExpiredOrAnotherAppsReferenceIsRefusedWithoutARedirect() throws Exception {
        URI requestUri = push(app, new CodeVerifier(), "s");
        var other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        var browser = new OAuthBrowser(tenant.user());

        Http.Response foreign = browser.open(byReference(other, requestUri));
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(foreign.header("Location")).isNull();

        TestServer.get().app().database().withHandle(handle -> handle.execute(
                "UPDATE pushed_authorization_requests SET expires_at = now() - interval '1 second' WHERE client_id = ?",
                app.clientId()));
        Http.Response expired = browser.open(byReference(app, requestUri));
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.header("Location")).isNull();

        Http.Response forged = browser.open(byReference(app, URI.create("urn:ietf:params:oauth:request_uri:foopar_x")));
        assertThat(forged.status()).isEqualTo(400);
    }

    @Test
    void theEndpointChecksTheAppAndTheRequestAndAnswersJsonErrors() {
        Http.Response unauthenticated = api.postForm("/oauth/par", Http.form("client_id", app.clientId(),
                "client_secret", "wrong", "response_type", "code", "redirect_uri", Fixtures.REDIRECT_URI));
        assertThat(unauthenticated.status()).isEqualTo(401);
        assertThat(unauthenticated.json().get("error").asText()).isEqualTo("invalid_client");

        Http.Response badRedirect = api.postForm("/oauth/par", Http.form("response_type", "code",
                "redirect_uri", "https://evil.example.test/cb", "code_challenge", Fixtures.pkce().challenge(),
                "code_challenge_method", "S256"), "Authorization", app.basic());
        assertThat(badRedirect.status()).isEqualTo(400);
        assertThat(badRedirect.json().get("error").asText()).isEqualTo("invalid_request");

        Http.Response nested = api.postForm("/oauth/par", Http.form("response_type", "code", "request_uri",
                "urn:ietf:params:oauth:request_uri:foopar_x"), "Authorization", app.basic());
        assertThat(nested.status()).isEqualTo(400);
        assertThat(nested.json().get("error").asText()).isEqualTo("invalid_request");

        Http.Response otherClient = api.postForm("/oauth/par", Http.form("client_id", "fooapp_someoneelse",
                "response_type", "code"), "Authorization", app.basic());
        assertThat(otherClient.status()).isIn(400, 401);

        Http.Response badScope = api.postForm("/oauth/par", Http.form("response_type", "code",
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "admin:*"), "Authorization", app.basic());
        assertThat(badScope.status()).isEqualTo(400);
        assertThat(badScope.json().get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void anAppThatRequiresPushedRequestsRefusesAPlainAuthorizationRequest() throws Exception {
        var strict = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope(),
                "require_pushed_authorization_requests", true));
        assertThat(strict.json().get("require_pushed_authorization_requests").asBoolean()).isTrue();
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(tenant.user());
        Http.Response plain = browser.open(Http.form("response_type", "code", "client_id", strict.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", tenant.scope(), "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256"));
        assertThat(Http.queryOf(plain.location()).get("error")).isEqualTo("invalid_request");

        var verifier = new CodeVerifier();
        String location = browser.authorize(byReference(strict, push(strict, verifier, "ok")));
        assertThat(Http.queryOf(location).get("code")).isNotNull();
    }

    @Test
    void aPushedPromptLoginIsSatisfiedByTheSignInThatFollowsIt() throws Exception {
        var browser = new OAuthBrowser(tenant.user());
        browser.authorize(Http.form("response_type", "code", "client_id", app.clientId(), "redirect_uri",
                Fixtures.REDIRECT_URI, "scope", tenant.scope(), "code_challenge", Fixtures.pkce().challenge(),
                "code_challenge_method", "S256"));
        var verifier = new CodeVerifier();
        Http.Response pushed = api.postForm("/oauth/par", Http.form("response_type", "code", "redirect_uri",
                Fixtures.REDIRECT_URI, "scope", tenant.scope(), "prompt", "login", "code_challenge",
                CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue(),
                "code_challenge_method", "S256"), "Authorization", app.basic());
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        Http.Response first = browser.open(Http.form("client_id", app.clientId(), "request_uri",
                pushed.json().get("request_uri").asText()));
        assertThat(first.location()).startsWith("/login?");
        Http.Response back = browser.signIn(first);
        assertThat(back.status()).isEqualTo(302);
        assertThat(Http.queryOf(back.location()).get("code")).isNotNull();
        assertThat(back.location()).startsWith(Fixtures.REDIRECT_URI);
    }

    @Test
    void theBrowserCannotChangeWhatWasPushedNorTheConsentFormWidenIt() throws Exception {
        var wider = Fixtures.scope("par-wide", false);
        var twoScopes = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope() + " " + wider));
        var verifier = new CodeVerifier();
        URI requestUri = push(twoScopes, verifier, "st");
        var browser = new OAuthBrowser(tenant.user());
        Http.Response first = browser.open(Http.form("client_id", twoScopes.clientId(), "request_uri", requestUri.toString(),
                "requested_scope", "x", "scope", wider, "organization_id", "00000000-0000-0000-0000-000000000000"));
        Http.Response consent = browser.signIn(first);
        assertThat(consent.status()).isEqualTo(200);
        var page = Jsoup.parse(consent.body());
        assertThat(page.select("input[type=checkbox][name=scope]")).extracting(e -> e.attr("value"))
                .containsExactly(tenant.scope());
        assertThat(page.select("form[action=/oauth/authorize] input[type=hidden]")).extracting(e -> e.attr("name"))
                .doesNotContain("redirect_uri", "code_challenge", "state");

        // A forged form ticking a scope that was not pushed is refused; the page's own form works.
        var fields = new ArrayList<String>();
        for (var input : page.select("form[action=/oauth/authorize] input[type=hidden]")) {
            fields.addAll(List.of(input.attr("name"), input.attr("value")));
        }
        var forged = new ArrayList<>(fields);
        forged.addAll(List.of("scope", wider, "requested_scope", tenant.scope() + " " + wider, "confirm", "yes"));
        Http.Response refused = browser.http().postForm("/oauth/authorize", Http.form(forged.toArray(String[]::new)));
        assertThat(Http.queryOf(refused.location()).get("error")).isEqualTo("invalid_scope");

        URI again = push(twoScopes, verifier, "st2");
        String location = browser.authorize(Http.form("client_id", twoScopes.clientId(), "request_uri", again.toString()));
        JsonNode tokens = twoScopes.exchange(new OAuthBrowser.Code(Http.queryOf(location).get("code"), verifier.getValue()));
        assertThat(tokens.get("scope").asText()).isEqualTo(tenant.scope());
        assertThat(tokens.get("organization_id").asText()).isEqualTo(tenant.orgId());
    }

    @Test
    void aPushedOrganizationSurvivesTheConsentPageAndOpeningGivesTenMinutes() throws Exception {
        var verifier = new CodeVerifier();
        Http.Response pushed = api.postForm("/oauth/par", Http.form("response_type", "code", "redirect_uri",
                Fixtures.REDIRECT_URI, "scope", tenant.scope(), "organization_id", tenant.orgId(), "code_challenge",
                CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue(), "code_challenge_method", "S256"),
                "Authorization", app.basic());
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        String requestUri = pushed.json().get("request_uri").asText();
        var browser = new OAuthBrowser(tenant.user());
        Http.Response consent = browser.signIn(browser.open(Http.form("client_id", app.clientId(), "request_uri", requestUri)));
        Object expiresIn = TestServer.get().app().database().withHandle(handle -> handle.createQuery(
                "SELECT extract(epoch FROM expires_at - now()) FROM pushed_authorization_requests WHERE client_id = :c")
                .bind("c", app.clientId()).mapTo(Double.class).one());
        assertThat((Double) expiresIn).isGreaterThan(500);
        String location = browser.decide(consent, "yes").location();
        assertThat(Http.queryOf(location).get("code")).as(location).isNotNull();
    }

    @Test
    void aPushedPromptNoneWithAnotherUsersHintIsLoginRequiredEvenAfterASignIn() throws Exception {
        var other = new OAuthBrowser(Fixtures.newUser());
        var openIdApp = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", "openid " + tenant.scope()));
        var pkce = Fixtures.pkce();
        String code = Http.queryOf(other.authorize(Http.form("response_type", "code", "client_id", openIdApp.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256"))).get("code");
        String othersIdToken = openIdApp.exchange(new OAuthBrowser.Code(code, pkce.verifier())).get("id_token").asText();

        var browser = new OAuthBrowser(tenant.user());
        browser.authorize(Http.form("response_type", "code", "client_id", openIdApp.clientId(), "redirect_uri",
                Fixtures.REDIRECT_URI, "scope", "openid", "code_challenge", Fixtures.pkce().challenge(),
                "code_challenge_method", "S256"));
        Http.Response pushed = api.postForm("/oauth/par", Http.form("response_type", "code", "redirect_uri",
                Fixtures.REDIRECT_URI, "scope", "openid", "prompt", "none", "id_token_hint", othersIdToken,
                "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256"),
                "Authorization", openIdApp.basic());
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        Http.Response answer = browser.open(Http.form("client_id", openIdApp.clientId(), "request_uri",
                pushed.json().get("request_uri").asText()));
        assertThat(Http.queryOf(answer.location()).get("error")).isEqualTo("login_required");
    }

    @Test
    void onlyAnAppItselfMayPushNotAUsersTokenNorAMembersSession() {
        var pkce = Fixtures.pkce();
        String body = Http.form("response_type", "code", "redirect_uri", Fixtures.REDIRECT_URI, "scope", tenant.scope(),
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256");
        var browser = new OAuthBrowser(tenant.user());
        String code = Http.queryOf(browser.authorize(body + "&" + Http.form("client_id", app.clientId()))).get("code");
        String userToken = app.exchange(new OAuthBrowser.Code(code, pkce.verifier())).get("access_token").asText();

        Http.Response bearer = api.postForm("/oauth/par", body, "Authorization", "Bearer " + userToken);
        assertThat(bearer.status()).isEqualTo(401);
        assertThat(bearer.json().get("error").asText()).isEqualTo("invalid_client");
        Http.Response session = tenant.user().login().postForm("/oauth/par", body + "&" + Http.form("client_id",
                app.clientId()));
        assertThat(session.status()).isEqualTo(401);
        assertThat(session.json().get("error").asText()).isEqualTo("invalid_client");
        var otherTenant = Fixtures.tenant("par-other");
        var othersApp = Fixtures.app(Fixtures.admin(), otherTenant.orgId(), Map.of("scope", otherTenant.scope()));
        Http.Response asAnother = api.postForm("/oauth/par", body + "&" + Http.form("client_id", app.clientId()),
                "Authorization", othersApp.basic());
        assertThat(asAnother.status()).isEqualTo(400);
        assertThat(asAnother.json().get("error").asText()).isEqualTo("invalid_request");
    }
}
