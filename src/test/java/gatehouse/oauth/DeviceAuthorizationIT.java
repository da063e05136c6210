package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;

/**
 * The device authorization grant (RFC 8628) over HTTP, the device side spoken by Nimbus' client:
 * start, poll (pending, slow_down), the user enters the code at /device, signs in and approves,
 * the next poll gets the tokens (with an ID token for openid); and the refusals.
 */
class DeviceAuthorizationIT {
    private static final String DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("device");
    private final Fixtures.App cli = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("confidential", false,
            "redirect_uris", List.of(), "grant_types", List.of(DEVICE_CODE, "refresh_token"),
            "scope", "openid " + tenant.scope()));

    private DeviceAuthorizationSuccessResponse start(Fixtures.App app, String scope) throws Exception {
        var request = new DeviceAuthorizationRequest(URI.create(issuer + "/oauth/device_authorization"),
                new ClientID(app.clientId()), new Scope(scope.split(" ")));
        var response = DeviceAuthorizationResponse.parse(request.toHTTPRequest().send());
        assertThat(response.indicatesSuccess()).as(() -> response.toErrorResponse().getErrorObject().toString()).isTrue();
        return response.toSuccessResponse();
    }

    private TokenResponse poll(Fixtures.App app, DeviceAuthorizationSuccessResponse started) throws Exception {
        var request = new TokenRequest(URI.create(issuer + "/oauth/token"), new ClientID(app.clientId()),
                new com.nimbusds.oauth2.sdk.device.DeviceCodeGrant(started.getDeviceCode()));
        return OIDCTokenResponseParser.parse(request.toHTTPRequest().send());
    }

    private static String errorOf(TokenResponse response) {
        assertThat(response.indicatesSuccess()).isFalse();
        return ((TokenErrorResponse) response).getErrorObject().getCode();
    }

    /** As if the device's interval had passed since its last poll. */
    private static void intervalPassed(Fixtures.App app) {
        TestServer.get().app().database().withHandle(handle -> handle.execute(
                "UPDATE device_authorizations SET last_polled_at = last_polled_at - interval '1 minute' WHERE client_id = ?",
                app.clientId()));
    }

    /**
     * Opens verification_uri_complete in a browser, signs in unless it is, finds the code filled in,
     * and presses Continue: the consent step (or whatever refuses it).
     */
    private static Http.Response openOnDevicePage(OAuthBrowser browser, DeviceAuthorizationSuccessResponse started) {
        URI complete = started.getVerificationURIComplete();
        Http.Response page = browser.http().get(complete.getRawPath() + "?" + complete.getRawQuery());
        if (page.status() == 302) {
            assertThat(page.location()).startsWith("/login?return_to=");
            page = browser.signIn(page);
        }
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        var form = Jsoup.parse(page.body()).selectFirst("form[action=/device]");
        assertThat(form.selectFirst("input[name=user_code]").attr("value")).isEqualTo(started.getUserCode().getValue());
        return browser.http().postForm("/device", Http.form("user_code", form.selectFirst("input[name=user_code]").attr("value"),
                "csrf_token", form.selectFirst("input[name=csrf_token]").attr("value")));
    }

    @Test
    void metadataNamesTheEndpointAndTheGrant() {
        JsonNode metadata = api.get("/.well-known/openid-configuration").json();
        assertThat(metadata.get("device_authorization_endpoint").asText()).isEqualTo(issuer + "/oauth/device_authorization");
        assertThat(metadata.get("grant_types_supported").toString()).contains(DEVICE_CODE);
    }

    @Test
    void aDeviceIsToldToWaitThenGetsTokensOnceTheUserApprovesAtTheDevicePage() throws Exception {
        var started = start(cli, "openid " + tenant.scope());
        assertThat(started.getUserCode().getValue()).matches("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}");
        assertThat(started.getVerificationURI()).isEqualTo(URI.create(issuer + "/device"));
        assertThat(started.getLifetime()).isEqualTo(600);
        assertThat(started.getInterval()).isEqualTo(5);
        assertThat(errorOf(poll(cli, started))).isEqualTo("authorization_pending");

        var browser = new OAuthBrowser(tenant.user());
        Http.Response consent = openOnDevicePage(browser, started);
        assertThat(consent.status()).as(consent.body()).isEqualTo(200);
        var page = Jsoup.parse(consent.body());
        assertThat(page.selectFirst(".user-code").text()).isEqualTo(started.getUserCode().getValue());
        assertThat(page.text()).contains(cli.json().get("name").asText()).contains(tenant.scope());
        Http.Response decided = browser.decide(consent, "yes");
        assertThat(decided.status()).as(decided.body()).isEqualTo(200);
        assertThat(decided.body()).contains("Device connected");

        intervalPassed(cli);
        TokenResponse tokens = poll(cli, started);
        assertThat(tokens.indicatesSuccess()).as(() -> tokens.toErrorResponse().getErrorObject().toString()).isTrue();
        var issued = (OIDCTokenResponse) tokens.toSuccessResponse();
        assertThat(issued.getTokens().getAccessToken().getScope().toStringList()).contains("openid", tenant.scope());
        assertThat(issued.getTokens().getRefreshToken()).isNotNull();
        var idToken = SignedJWT.parse(issued.getOIDCTokens().getIDTokenString()).getJWTClaimsSet();
        assertThat(idToken.getSubject()).isEqualTo(tenant.user().id());
        assertThat(idToken.getAudience()).containsExactly(cli.clientId());
        assertThat(idToken.getDateClaim("auth_time")).isNotNull();
        assertThat(issued.getCustomParameters().get("organization_id")).isEqualTo(tenant.orgId());

        // The answer is collected once.
        intervalPassed(cli);
        assertThat(errorOf(poll(cli, started))).isEqualTo("invalid_grant");
        // The refresh token works like any other.
        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", issued.getTokens().getRefreshToken().getValue(), "client_id", cli.clientId()));
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
    }

    @Test
    void endingTheUsersSessionsBeforeTheDeviceCollectsTheApprovalStopsIt() throws Exception {
        var started = start(cli, tenant.scope());
        var browser = new OAuthBrowser(tenant.user());
        assertThat(browser.decide(openOnDevicePage(browser, started), "yes").status()).isEqualTo(200);
        assertThat(tenant.user().login().postJson("/oauth/revoke-all", Map.of()).status()).isEqualTo(200);
        assertThat(errorOf(poll(cli, started))).isEqualTo("invalid_grant");
    }

    @Test
    void aDenialAfterTheApprovalInAnotherTabIsRefusedAndTheApprovalStands() throws Exception {
        var started = start(cli, tenant.scope());
        var browser = new OAuthBrowser(tenant.user());
        Http.Response consent = openOnDevicePage(browser, started);
        assertThat(browser.decide(consent, "yes").status()).isEqualTo(200);
        Http.Response lateDenial = browser.decide(consent, "no");
        assertThat(lateDenial.status()).isEqualTo(400);
        assertThat(poll(cli, started).indicatesSuccess()).isTrue();
    }

    @Test
    void pollingFasterThanTheIntervalIsSlowDownAndTheIntervalGrows() throws Exception {
        var started = start(cli, tenant.scope());
        assertThat(errorOf(poll(cli, started))).isEqualTo("authorization_pending");
        assertThat(errorOf(poll(cli, started))).isEqualTo("slow_down");
        Integer interval = TestServer.get().app().database().withHandle(handle -> handle.createQuery(
                        "SELECT interval_seconds FROM device_authorizations WHERE client_id = :c")
                .bind("c", cli.clientId()).mapTo(Integer.class).one());
        assertThat(interval).isEqualTo(10);
        assertThat(errorOf(poll(cli, started))).isEqualTo("slow_down");
    }

    @Test
    void aDenialIsAccessDeniedAtTheNextPoll() throws Exception {
        var started = start(cli, tenant.scope());
        var browser = new OAuthBrowser(tenant.user());
        Http.Response denied = browser.decide(openOnDevicePage(browser, started), "no");
        assertThat(denied.status()).isEqualTo(200);
        assertThat(denied.body()).contains("Access denied");
        assertThat(errorOf(poll(cli, started))).isEqualTo("access_denied");
    }

    @Test
    void anExpiredDeviceCodeIsExpiredTokenAndItsUserCodeIsNoLongerFound() throws Exception {
        var started = start(cli, tenant.scope());
        TestServer.get().app().database().withHandle(handle -> handle.execute(
                "UPDATE device_authorizations SET expires_at = now() - interval '1 second' WHERE client_id = ?",
                cli.clientId()));
        assertThat(errorOf(poll(cli, started))).isEqualTo("expired_token");

        var browser = new OAuthBrowser(tenant.user());
        Http.Response page = openOnDevicePage(browser, started);
        assertThat(page.status()).isEqualTo(400);
        assertThat(page.body()).contains("not valid");
    }

    @Test
    void theCodeIsTypedCaseBlindWithOrWithoutItsDashAndAWrongOneIsRefusedOnThePage() throws Exception {
        var started = start(cli, tenant.scope());
        var browser = new OAuthBrowser(tenant.user());
        Http.Response entry = browser.signIn(browser.http().get("/device"));
        assertThat(entry.status()).isEqualTo(200);
        String csrf = Jsoup.parse(entry.body()).selectFirst("input[name=csrf_token]").attr("value");

        Http.Response wrong = browser.http().postForm("/device", Http.form("user_code", "BBBB-BBBB", "csrf_token", csrf));
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.body()).contains("not valid");
        Http.Response noCsrf = browser.http().postForm("/device", Http.form("user_code", "BBBB-BBBB"));
        assertThat(noCsrf.status()).isEqualTo(403);

        String typed = " " + started.getUserCode().getValue().replace("-", " ").toLowerCase() + " ";
        Http.Response consent = browser.http().postForm("/device", Http.form("user_code", typed, "csrf_token", csrf));
        assertThat(consent.status()).as(consent.body()).isEqualTo(200);
        assertThat(Jsoup.parse(consent.body()).selectFirst(".user-code").text()).isEqualTo(started.getUserCode().getValue());
    }

    @Test
    void theDeviceEndpointRefusesAnAppNotRegisteredForTheGrantBadScopesAndBadCredentials() {
        var web = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));
        Http.Response notRegistered = api.postForm("/oauth/device_authorization", Http.form("scope", tenant.scope()),
                "Authorization", web.basic());
        assertThat(notRegistered.status()).isEqualTo(400);
        assertThat(notRegistered.text("error")).isEqualTo("unauthorized_client");

        Http.Response badScope = api.postForm("/oauth/device_authorization", Http.form("client_id", cli.clientId(),
                "scope", "admin:*"));
        assertThat(badScope.status()).isEqualTo(400);
        assertThat(badScope.text("error")).isEqualTo("invalid_scope");

        Http.Response unknown = api.postForm("/oauth/device_authorization", Http.form("client_id", "fooapp_nobody"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.text("error")).isEqualTo("invalid_client");

        Http.Response json = api.postJson("/oauth/device_authorization", Map.of("client_id", cli.clientId()));
        assertThat(json.status()).isEqualTo(400);

        // A user's (or another app's) access token is no app credential here.
        String userToken = web.exchange(new OAuthBrowser(tenant.user()).authorizationCode(web, tenant.scope()))
                .get("access_token").asText();
        Http.Response bearer = api.postForm("/oauth/device_authorization", Http.form("scope", tenant.scope()),
                "Authorization", "Bearer " + userToken);
        assertThat(bearer.status()).isEqualTo(401);
        assertThat(bearer.text("error")).isEqualTo("invalid_client");
    }

    @Test
    void anotherAppCannotRedeemTheDeviceCodeAndAnAuthorizationCodeGrantCannotUseTheApproval() throws Exception {
        var started = start(cli, tenant.scope());
        var browser = new OAuthBrowser(tenant.user());
        browser.decide(openOnDevicePage(browser, started), "yes");
        var other = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("confidential", false, "redirect_uris", List.of(),
                "grant_types", List.of(DEVICE_CODE), "scope", tenant.scope()));
        assertThat(errorOf(poll(other, started))).isEqualTo("invalid_grant");
        Http.Response asCode = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", started.getDeviceCode().getValue(), "client_id", cli.clientId()));
        assertThat(asCode.status()).isEqualTo(400);
        // Still there for its own device.
        intervalPassed(cli);
        assertThat(poll(cli, started).indicatesSuccess()).isTrue();
    }

    @Test
    void aPlainMemberCannotApproveActorAppButCanApproveActorSelfForTheirOwnOrganizationOnly() throws Exception {
        var both = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("confidential", false, "redirect_uris", List.of(),
                "grant_types", List.of(DEVICE_CODE), "scope", tenant.scope(), "actor_modes", List.of("self", "app")));
        var member = Fixtures.newUser();
        Http.Response invited = tenant.user().login().postJson("/api/v1/orgs/" + tenant.orgId() + "/members",
                Map.of("username", member.username(), "role", "member"));
        assertThat(invited.status()).as(invited.body()).isIn(200, 201);
        var asApp = new DeviceAuthorizationRequest(URI.create(issuer + "/oauth/device_authorization"),
                new ClientID(both.clientId()), new Scope(tenant.scope()), Map.of("actor", List.of("app")));
        var started = DeviceAuthorizationResponse.parse(asApp.toHTTPRequest().send()).toSuccessResponse();
        var memberBrowser = new OAuthBrowser(member);
        Http.Response refused = openOnDevicePage(memberBrowser, started);
        assertThat(refused.status()).isEqualTo(403);

        // Actor self: the member may approve for the organization they belong to, and not for another.
        var self = start(both, tenant.scope());
        Http.Response consent = openOnDevicePage(memberBrowser, self);
        String foreignOrg = Fixtures.org(Fixtures.newUser().login());
        Http.Response foreign = memberBrowser.submitConsent(consent, "yes", null, foreignOrg);
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(errorOf(poll(both, self))).isEqualTo("authorization_pending");
    }
}
