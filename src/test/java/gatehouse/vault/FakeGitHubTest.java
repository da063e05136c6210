package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.testing.MutableClock;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's own fidelity to docs/vault-providers.md, where the provider under test cannot show it. */
class FakeGitHubTest {
    private static final String CALLBACK = "http://127.0.0.1:9/oauth/callback/github";

    private final MutableClock clock = MutableClock.startingNow();
    private final HttpClient client = HttpClient.newHttpClient();
    private FakeGitHub github;

    @BeforeEach
    void start() {
        github = FakeGitHub.start(clock).registerCallback(CALLBACK).registerSetupUrl(CALLBACK);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void aRequestWithoutUserAgentIsRefused() throws Exception {
        URI api = URI.create(github.apiUrl());
        try (Socket socket = new Socket(api.getHost(), api.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v3/user HTTP/1.1\r\nHost: " + api.getHost() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void theTokenEndpointAnswersFormEncodedUnlessJsonIsAskedForAndErrorsWithStatus200() throws Exception {
        String form = "client_id=" + FakeGitHub.CLIENT_ID + "&client_secret=" + FakeGitHub.CLIENT_SECRET + "&code=nope";

        HttpResponse<String> plain = post(github.webUrl() + "/login/oauth/access_token", form, null);
        HttpResponse<String> json = post(github.webUrl() + "/login/oauth/access_token", form, "application/json");

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/x-www-form-urlencoded"));
        assertThat(plain.body()).startsWith("error=bad_verification_code&");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).contains("\"error\":\"bad_verification_code\"");
    }

    @Test
    void theBrowserPagesRedirectToTheCallbackAndTheSetupUrl() throws Exception {
        HttpResponse<String> authorize = get(github.webUrl() + "/login/oauth/authorize?client_id=" + FakeGitHub.CLIENT_ID
                + "&state=s1&scope=repo");
        HttpResponse<String> install = get(github.webUrl() + "/apps/" + FakeGitHub.APP_SLUG + "/installations/new?state=s2");

        assertThat(authorize.statusCode()).isEqualTo(302);
        assertThat(FakeGitHub.query(URI.create(authorize.headers().firstValue("Location").orElseThrow())))
                .containsKey("code").containsEntry("state", "s1");
        assertThat(FakeGitHub.query(URI.create(install.headers().firstValue("Location").orElseThrow())))
                .containsKey("installation_id").containsEntry("setup_action", "install").containsEntry("state", "s2");
    }

    @Test
    void aRedirectUriOutsideTheRegisteredCallbackComesBackAsRedirectUriMismatch() {
        URI url = URI.create(github.webUrl() + "/login/oauth/authorize?client_id=" + FakeGitHub.CLIENT_ID
                + "&redirect_uri=http%3A%2F%2Fevil.example%2Fcb&state=s");

        assertThat(github.approve(url)).containsEntry("error", "redirect_uri_mismatch").doesNotContainKey("code");
    }

    @Test
    void userOrgsListsTheUsersOrganizationsWithTheGrantedScopes() throws Exception {
        github.addOrganization(FakeGitHub.USER_ID, 42, "acme");
        Map<String, String> callback = github.approve(URI.create(github.webUrl() + "/login/oauth/authorize?client_id="
                + FakeGitHub.CLIENT_ID + "&scope=read%3Aorg+repo"));
        String token = GitHubHttp.formFields(post(github.webUrl() + "/login/oauth/access_token", "client_id=" + FakeGitHub.CLIENT_ID
                + "&client_secret=" + FakeGitHub.CLIENT_SECRET + "&code=" + callback.get("code"), null).body()).get("access_token");

        HttpResponse<String> orgs = client.send(GitHubHttp.rest(URI.create(github.apiUrl() + "/user/orgs"), token).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(orgs.body()).contains("\"login\":\"acme\"").contains("\"id\":42");
        assertThat(orgs.headers().firstValue("X-OAuth-Scopes")).hasValue("read:org, repo");
    }

    @Test
    void appJwtsAreCheckedLikeGitHubDoes() throws Exception {
        long now = clock.instant().getEpochSecond();

        assertThat(appGet(jwt(FakeGitHub.APP_ID, now - 60, now + 540))).isEqualTo(200);
        assertThat(appGet(jwt(FakeGitHub.APP_CLIENT_ID, now - 60, now + 540))).isEqualTo(200);
        assertThat(appGet(jwt(FakeGitHub.APP_ID, now - 60, now + 560))).as("exp - iat > 600").isEqualTo(401);
        assertThat(appGet(jwt(FakeGitHub.APP_ID, now, now + 601))).as("exp more than 600 s ahead, so exp - iat > 600 too").isEqualTo(401);
        assertThat(appGet(jwt(FakeGitHub.APP_ID, now + 5, now + 300))).as("iat in the future").isEqualTo(401);
        assertThat(appGet(jwt(FakeGitHub.APP_ID, now - 600, now - 1))).as("expired").isEqualTo(401);
        assertThat(appGet(jwt("777", now - 60, now + 540))).as("unknown iss").isEqualTo(404);
        assertThat(appGet("not.a.jwt")).isEqualTo(401);
    }

    private int appGet(String jwt) throws Exception {
        return client.send(GitHubHttp.rest(URI.create(github.apiUrl() + "/app"), jwt).header("User-Agent", "test").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static String jwt(String issuer, long iat, long exp) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer(issuer).issueTime(Date.from(Instant.ofEpochSecond(iat)))
                        .expirationTime(Date.from(Instant.ofEpochSecond(exp))).build());
        jwt.sign(new RSASSASigner(RsaPem.privateKey(FakeGitHub.appPrivateKeyPkcs8Pem())));
        return jwt.serialize();
    }

    private HttpResponse<String> post(String url, String form, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded").header("User-Agent", "test")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("User-Agent", "test").build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
