package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.AccessTokenHash;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;

/**
 * OpenID Connect Core over HTTP, with Nimbus' client side as an OpenID relying party uses it:
 * discovery, the sign-in through the login and consent pages, the ID token checked against the
 * published keys, UserInfo, and the refusals.
 */
class OpenIdConnectIT {
    private final Http api = Http.anonymous();
    private final String issuer = TestServer.get().issuer();
    private final Fixtures.Tenant tenant = Fixtures.tenant("oidc");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId,
            Map.of("scope", "openid profile email " + tenant.scope()));

    private String authorizeQuery(Fixtures.PkcePair pkce, String scope, String... extra) {
        var pairs = new ArrayList<>(List.of("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "st",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        pairs.addAll(List.of(extra));
        return Http.form(pairs.toArray(String[]::new));
    }

    /** Signs in through the pages and redeems the code with Nimbus, as a relying party would. */
    private OIDCTokenResponse signIn(OAuthBrowser browser, String scope, String... extra) throws Exception {
        var pkce = Fixtures.pkce();
        String location = browser.authorize(authorizeQuery(pkce, scope, extra));
        String code = Http.queryOf(location).get("code");
        assertThat(code).as(location).isNotNull();
        return redeem(code, pkce.verifier());
    }

    private OIDCTokenResponse redeem(String code, String verifier) throws Exception {
        var request = new TokenRequest(URI.create(issuer + "/oauth/token"),
                new ClientSecretBasic(new ClientID(app.clientId()), new Secret(app.secret())),
                new AuthorizationCodeGrant(new AuthorizationCode(code), URI.create(Fixtures.REDIRECT_URI),
                        new CodeVerifier(verifier)));
        var response = OIDCTokenResponseParser.parse(request.toHTTPRequest().send());
        assertThat(response.indicatesSuccess()).as(() -> response.toErrorResponse().getErrorObject().toString()).isTrue();
        return (OIDCTokenResponse) response.toSuccessResponse();
    }

    private IDTokenClaimsSet validate(JWT idToken, String nonce) throws Exception {
        var metadata = OIDCProviderMetadata.parse(api.get("/.well-known/openid-configuration").body());
        var validator = new IDTokenValidator(new Issuer(issuer), new ClientID(app.clientId()), JWSAlgorithm.RS256,
                metadata.getJWKSetURI().toURL());
        return validator.validate(idToken, nonce == null ? null : new Nonce(nonce));
    }

    @Test
    void discoveryDocumentIsTheOAuthMetadataWithTheOpenIdMembers() throws Exception {
        Http.Response response = api.get("/.well-known/openid-configuration");
        assertThat(response.status()).isEqualTo(200);
        var metadata = OIDCProviderMetadata.parse(response.body());
        assertThat(metadata.getIssuer().getValue()).isEqualTo(issuer);
        assertThat(metadata.getUserInfoEndpointURI()).isEqualTo(URI.create(issuer + "/oauth/userinfo"));
        assertThat(metadata.getJWKSetURI()).isEqualTo(URI.create(issuer + "/oauth/jwks"));
        assertThat(metadata.getIDTokenJWSAlgs()).containsExactly(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
        assertThat(metadata.getSubjectTypes()).extracting(Object::toString).containsExactly("public");
        assertThat(metadata.getScopes().toStringList()).contains("openid", "profile", "email");
        assertThat(metadata.getClaims()).contains("sub", "auth_time", "nonce", "email_verified", "organization_id");

        var oauth = api.get("/.well-known/oauth-authorization-server").json();
        var openId = response.json();
        oauth.fieldNames().forEachRemaining(name -> assertThat(openId.get(name)).as(name).isEqualTo(oauth.get(name)));
    }

    @Test
    void signInAnswersAnIdTokenThatTheRelyingPartyValidates() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        OIDCTokenResponse tokens = signIn(new OAuthBrowser(user), "openid profile email", "nonce", "n-0S6_WzA2Mj");

        JWT idToken = tokens.getOIDCTokens().getIDToken();
        assertThat(idToken.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        IDTokenClaimsSet claims = validate(idToken, "n-0S6_WzA2Mj");
        assertThat(claims.getSubject().getValue()).isEqualTo(user.id());
        assertThat(claims.getAudience()).extracting(Object::toString).containsExactly(app.clientId());
        assertThat(claims.getAuthorizedParty().getValue()).isEqualTo(app.clientId());
        assertThat(claims.getAuthenticationTime()).isNotNull();
        assertThat(claims.getAuthenticationTime().toInstant()).isBeforeOrEqualTo(Instant.now());
        assertThat(claims.getIssueTime().toInstant()).isAfterOrEqualTo(before);
        assertThat(claims.getStringClaim("organization_id")).isEqualTo(orgId);
        var accessToken = tokens.getOIDCTokens().getAccessToken();
        assertThat(claims.getAccessTokenHash())
                .isEqualTo(AccessTokenHash.compute(accessToken, JWSAlgorithm.RS256, null));

        // The nonce is echoed exactly: a relying party holding another refuses the token.
        assertThatThrownBy(() -> validate(idToken, "another-nonce")).isInstanceOf(BadJOSEException.class);
    }

    @Test
    void userInfoDescribesTheUserAsFarAsTheScopesAllow() throws Exception {
        OIDCTokenResponse tokens = signIn(new OAuthBrowser(user), "openid profile email", "nonce", "n1");
        var request = new UserInfoRequest(URI.create(issuer + "/oauth/userinfo"),
                (BearerAccessToken) tokens.getOIDCTokens().getAccessToken());
        var response = UserInfoResponse.parse(request.toHTTPRequest().send());
        assertThat(response.indicatesSuccess()).isTrue();
        UserInfo info = response.toSuccessResponse().getUserInfo();
        assertThat(info.getSubject().getValue()).isEqualTo(user.id());
        assertThat(info.getPreferredUsername()).isEqualTo(user.username());
        assertThat(info.getName()).isEqualTo("Test User");
        assertThat(info.getUpdatedTime()).isNotNull();
        assertThat(info.getEmailAddress()).isEqualTo(user.username());
        assertThat(info.getEmailVerified()).isFalse();
        assertThat(info.getStringClaim("organization_id")).isEqualTo(orgId);

        // POST works the same; openid alone gives the subject and the organization, nothing more.
        OIDCTokenResponse bare = signIn(new OAuthBrowser(user), "openid", "nonce", "n2");
        Http.Response posted = api.postForm("/oauth/userinfo", "", "Authorization",
                "Bearer " + bare.getOIDCTokens().getAccessToken().getValue());
        assertThat(posted.status()).as(posted.body()).isEqualTo(200);
        assertThat(posted.header("Cache-Control")).isEqualTo("no-store");
        assertThat(posted.json().get("sub").asText()).isEqualTo(user.id());
        assertThat(posted.json().has("email")).isFalse();
        assertThat(posted.json().has("preferred_username")).isFalse();
    }

    @Test
    void userInfoRefusesMissingUnknownAndNonOpenIdTokens() throws Exception {
        Http.Response none = api.get("/oauth/userinfo");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.json().get("error").asText()).isEqualTo("unauthenticated");

        Http.Response unknown = api.get("/oauth/userinfo", "Authorization", "Bearer foot_nosuchtoken");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.json().get("error").asText()).isEqualTo("invalid_token");

        // A user's token without openid: the app did not sign the user in.
        OIDCTokenResponse plain = signIn(new OAuthBrowser(user), tenant.scope());
        assertThat(plain.getOIDCTokens().getIDToken()).isNull();
        Http.Response withoutOpenId = api.get("/oauth/userinfo", "Authorization",
                "Bearer " + plain.getOIDCTokens().getAccessToken().getValue());
        assertThat(withoutOpenId.status()).isEqualTo(403);
        assertThat(withoutOpenId.json().get("error").asText()).isEqualTo("insufficient_scope");
        assertThat(withoutOpenId.header("WWW-Authenticate")).contains("insufficient_scope");

        // An app acting as itself has no user to describe, and cannot ask for openid at all.
        var service = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "redirect_uris", List.of(), "scope", "openid " + tenant.scope()));
        Http.Response askedOpenId = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials",
                "scope", "openid"), "Authorization", service.basic());
        assertThat(askedOpenId.status()).isEqualTo(400);
        assertThat(askedOpenId.json().get("error").asText()).isEqualTo("invalid_scope");
        Http.Response byDefault = api.postForm("/oauth/token", Http.form("grant_type", "client_credentials"),
                "Authorization", service.basic());
        assertThat(byDefault.status()).as(byDefault.body()).isEqualTo(200);
        assertThat(byDefault.json().get("scope").asText()).isEqualTo(tenant.scope());
        Http.Response appToken = api.get("/oauth/userinfo", "Authorization",
                "Bearer " + byDefault.json().get("access_token").asText());
        assertThat(appToken.status()).isEqualTo(403);
        assertThat(appToken.json().get("error").asText()).isEqualTo("insufficient_scope");
    }

    @Test
    void userInfoOfAnotherOrganizationsUserIsOnlyEverTheTokensOwnUser() throws Exception {
        var other = Fixtures.tenant("oidc-other");
        OIDCTokenResponse mine = signIn(new OAuthBrowser(user), "openid email", "nonce", "a");
        Http.Response response = api.get("/oauth/userinfo?sub=" + other.user().id(), "Authorization",
                "Bearer " + mine.getOIDCTokens().getAccessToken().getValue());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("sub").asText()).isEqualTo(user.id());
        assertThat(response.json().get("email").asText()).isEqualTo(user.username());
    }

    @Test
    void openIdForActorAppIsRefusedAtTheAuthorizationEndpoint() {
        var installable = Fixtures.app(Fixtures.admin(), orgId, Map.of("actor_modes", List.of("app"),
                "scope", "openid " + tenant.scope()));
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(tenant.user());
        Http.Response first = browser.open(Http.form("response_type", "code", "client_id", installable.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "actor", "app", "state", "s",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        assertThat(first.status()).isEqualTo(302);
        assertThat(Http.queryOf(first.location()).get("error")).isEqualTo("invalid_scope");
    }

    @Test
    void overlongNonceOrMaxAgeThatIsNoNumberIsAnInvalidRequest() {
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(user);
        Http.Response nonce = browser.open(authorizeQuery(pkce, "openid", "nonce", "n".repeat(513)));
        assertThat(Http.queryOf(nonce.location()).get("error")).isEqualTo("invalid_request");
        Http.Response maxAge = browser.open(authorizeQuery(pkce, "openid", "max_age", "-1"));
        assertThat(Http.queryOf(maxAge.location()).get("error")).isEqualTo("invalid_request");
        Http.Response twice = browser.open(authorizeQuery(pkce, "openid", "nonce", "a", "nonce", "b"));
        assertThat(Http.queryOf(twice.location()).get("error")).isEqualTo("invalid_request");
    }

    @Test
    void maxAgeSendsASignedInUserThroughTheLoginPageAgain() throws Exception {
        var browser = new OAuthBrowser(user);
        signIn(browser, "openid", "nonce", "first");

        var pkce = Fixtures.pkce();
        Http.Response fresh = browser.open(authorizeQuery(pkce, "openid", "nonce", "second"));
        assertThat(fresh.status()).isEqualTo(302);
        assertThat(fresh.location()).startsWith(Fixtures.REDIRECT_URI);

        Http.Response tooOld = browser.open(authorizeQuery(pkce, "openid", "max_age", "0", "prompt", "none"));
        assertThat(Http.queryOf(tooOld.location()).get("error")).isEqualTo("login_required");

        Thread.sleep(1100);
        Http.Response again = browser.open(authorizeQuery(pkce, "openid", "max_age", "0", "nonce", "third"));
        assertThat(again.status()).isEqualTo(302);
        assertThat(again.location()).startsWith("/login?return_to=").doesNotContain("max_age");
        Instant reSignIn = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Http.Response back = browser.signIn(again);
        assertThat(back.status()).isEqualTo(302);
        String code = Http.queryOf(back.location()).get("code");
        IDTokenClaimsSet claims = validate(redeem(code, pkce.verifier()).getOIDCTokens().getIDToken(), "third");
        assertThat(claims.getAuthenticationTime().toInstant()).isAfterOrEqualTo(reSignIn);
    }

    @Test
    void loginHintFillsInTheUsernameOnTheLoginPage() {
        var browser = new OAuthBrowser(user);
        Http.Response first = browser.open(authorizeQuery(Fixtures.pkce(), "openid", "login_hint", user.username()));
        assertThat(first.location()).startsWith("/login?");
        var page = Jsoup.parse(browser.http().get(first.location()).body());
        assertThat(page.select("input[name=username]").attr("value")).isEqualTo(user.username());
    }

    @Test
    void consentPageNamesTheOpenIdScopesInPlainWords() {
        var browser = new OAuthBrowser(user);
        Http.Response first = browser.open(authorizeQuery(Fixtures.pkce(), "openid profile email", "nonce", "n"));
        Http.Response consent = browser.signIn(first);
        assertThat(consent.status()).isEqualTo(200);
        String text = Jsoup.parse(consent.body()).text();
        assertThat(text).contains("Sign you in and know who you are").contains("See your name and username")
                .contains("See your email address and whether it is verified");
    }

    @Test
    void refreshingASignInAnswersNoNewIdToken() throws Exception {
        OIDCTokenResponse tokens = signIn(new OAuthBrowser(user), "openid", "nonce", "r");
        Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.getOIDCTokens().getRefreshToken().getValue()), "Authorization", app.basic());
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.json().has("id_token")).isFalse();
        assertThat(refreshed.json().get("scope").asText()).isEqualTo("openid");
    }

    @Test
    void anAppThatChoseEs256GetsEs256IdTokensAndABadChoiceIsRefused() throws Exception {
        var admin = Fixtures.admin();
        Http.Response bad = admin.putJson("/api/v1/oauth/clients/" + app.clientId(),
                Map.of("id_token_signed_response_alg", "HS256"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("validation_failed");
        assertThat(app.json().get("id_token_signed_response_alg").asText()).isEqualTo("RS256");

        Http.Response chosen = admin.putJson("/api/v1/oauth/clients/" + app.clientId(),
                Map.of("id_token_signed_response_alg", "ES256"));
        assertThat(chosen.status()).as(chosen.body()).isEqualTo(200);
        assertThat(chosen.json().get("id_token_signed_response_alg").asText()).isEqualTo("ES256");

        OIDCTokenResponse tokens = signIn(new OAuthBrowser(user), "openid", "nonce", "es");
        JWT idToken = tokens.getOIDCTokens().getIDToken();
        assertThat(idToken.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        var metadata = OIDCProviderMetadata.parse(api.get("/.well-known/openid-configuration").body());
        var claims = new IDTokenValidator(new Issuer(issuer), new ClientID(app.clientId()), JWSAlgorithm.ES256,
                metadata.getJWKSetURI().toURL()).validate(idToken, new Nonce("es"));
        assertThat(claims.getSubject().getValue()).isEqualTo(user.id());
        assertThat(claims.getAccessTokenHash()).isEqualTo(
                AccessTokenHash.compute(tokens.getOIDCTokens().getAccessToken(), JWSAlgorithm.ES256, null));

        Http.Response back = admin.putJson("/api/v1/oauth/clients/" + app.clientId(),
                Collections.singletonMap("id_token_signed_response_alg", null));
        assertThat(back.json().get("id_token_signed_response_alg").asText()).isEqualTo("RS256");
    }

    @Test
    void theUserCannotUntickTheSignInItselfOnTheConsentPage() throws Exception {
        var browser = new OAuthBrowser(user);
        var pkce = Fixtures.pkce();
        Http.Response consent = browser.signIn(browser.open(authorizeQuery(pkce, "openid " + tenant.scope(), "nonce", "u")));
        var page = Jsoup.parse(consent.body());
        assertThat(page.select("input[type=checkbox][name=scope][value=openid]")).isEmpty();
        assertThat(page.select("input[type=hidden][name=scope][value=openid]")).hasSize(1);

        Http.Response approved = browser.submitConsent(consent, "yes", List.of(tenant.scope()), null);
        OIDCTokenResponse tokens = redeem(Http.queryOf(approved.location()).get("code"), pkce.verifier());
        assertThat(tokens.getOIDCTokens().getIDToken()).isNotNull();
        assertThat(tokens.getOIDCTokens().getAccessToken().getScope().toStringList()).contains("openid");

        // A form posted without it (not through the page) is put right the same way.
        Http.Response again = browser.open(authorizeQuery(pkce, "openid " + tenant.scope(), "prompt", "consent"));
        var fields = new ArrayList<String>();
        for (var input : Jsoup.parse(again.body()).select("form[action=/oauth/authorize] input[type=hidden]")) {
            if (!input.attr("name").equals("scope")) {
                fields.addAll(List.of(input.attr("name"), input.attr("value")));
            }
        }
        fields.addAll(List.of("scope", tenant.scope(), "confirm", "yes"));
        Http.Response posted = browser.http().postForm("/oauth/authorize", Http.form(fields.toArray(String[]::new)));
        assertThat(redeem(Http.queryOf(posted.location()).get("code"), pkce.verifier()).getOIDCTokens().getIDToken())
                .isNotNull();
    }

    @Test
    void blankNonceRequestObjectsAndOpenIdInThePasswordGrantAreRefused() {
        var browser = new OAuthBrowser(user);
        for (String[] extra : new String[][] {{"nonce", " "}, {"nonce", "a\tb"}}) {
            Http.Response response = browser.open(authorizeQuery(Fixtures.pkce(), "openid", extra));
            assertThat(Http.queryOf(response.location()).get("error")).as(extra[1]).isEqualTo("invalid_request");
        }
        Http.Response request = browser.open(authorizeQuery(Fixtures.pkce(), "openid", "request", "eyJhbGciOiJub25lIn0.e30."));
        assertThat(Http.queryOf(request.location()).get("error")).isEqualTo("request_not_supported");
        Http.Response requestUri = browser.open(authorizeQuery(Fixtures.pkce(), "openid", "request_uri",
                "https://app.example.test/request.jwt"));
        assertThat(Http.queryOf(requestUri.location()).get("error")).isEqualTo("request_uri_not_supported");

        var passwordApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("password"),
                "redirect_uris", List.of(), "scope", "openid " + tenant.scope()));
        Fixtures.admin().postJson("/api/v1/oauth/clients/" + passwordApp.clientId() + "/approvals",
                Map.of("grant_types", List.of("password")));
        Http.Response password = api.postForm("/oauth/token", Http.form("grant_type", "password", "username",
                user.username(), "password", user.password(), "scope", "openid"), "Authorization", passwordApp.basic());
        assertThat(password.status()).as(password.body()).isEqualTo(400);
        assertThat(password.json().get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void anIdTokenSignedBeforeAKeyRotationStillValidatesAgainstThePublishedKeys() throws Exception {
        OIDCTokenResponse tokens = signIn(new OAuthBrowser(user), "openid", "nonce", "rot");
        Http.Response rotated = Fixtures.admin().postJson("/api/v1/admin/signing-keys/rotate", Map.of());
        assertThat(rotated.status()).as(rotated.body()).isIn(200, 201);
        Thread.sleep(2100); // the JWKS document is cached for 2 s
        IDTokenClaimsSet claims = validate(tokens.getOIDCTokens().getIDToken(), "rot");
        assertThat(claims.getSubject().getValue()).isEqualTo(user.id());
        assertThat(claims.getExpirationTime().toInstant())
                .isBeforeOrEqualTo(claims.getIssueTime().toInstant().plus(Duration.ofHours(1)));
    }

    @Test
    void aJwtAccessTokenIsNoIdTokenHint() {
        var jwtApp = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", "openid " + tenant.scope(),
                "access_token_format", "jwt", "access_token_jwt_typ", "JWT", "access_token_signing_alg", "RS256"));
        var pkce = Fixtures.pkce();
        var browser = new OAuthBrowser(user);
        String code = Http.queryOf(browser.authorize(Http.form("response_type", "code", "client_id", jwtApp.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256"))).get("code");
        String accessToken = jwtApp.exchange(new OAuthBrowser.Code(code, pkce.verifier())).get("access_token").asText();
        Http.Response hinted = browser.open(Http.form("response_type", "code", "client_id", jwtApp.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", "openid", "code_challenge", pkce.challenge(),
                "code_challenge_method", "S256", "id_token_hint", accessToken));
        assertThat(Http.queryOf(hinted.location()).get("error")).isEqualTo("invalid_request");
    }

    @Test
    void aResponseModeOtherThanQueryIsRefusedRatherThanIgnored() {
        var browser = new OAuthBrowser(user);
        for (String mode : List.of("form_post", "fragment", "web_message")) {
            Http.Response response = browser.open(authorizeQuery(Fixtures.pkce(), "openid", "response_mode", mode));
            assertThat(response.location()).as(mode).startsWith(Fixtures.REDIRECT_URI + "?");
            assertThat(Http.queryOf(response.location()).get("error")).as(mode).isEqualTo("invalid_request");
        }
        Http.Response query = browser.open(authorizeQuery(Fixtures.pkce(), "openid", "response_mode", "query"));
        assertThat(query.location()).startsWith("/login?");
    }
}
