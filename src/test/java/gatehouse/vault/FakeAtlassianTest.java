package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.MutableClock;
import gatehouse.vault.FakeAtlassian.Site;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake's HTTP surface that end-to-end tests rely on, beyond what JiraPlatformTest drives. */
class FakeAtlassianTest {
    private static final String REDIRECT_URI = "https://gatehouse.example/oauth/callback/jira";

    private final MutableClock clock = MutableClock.startingNow();
    private final FakeAtlassian atlassian = new FakeAtlassian(clock);
    private final JiraPlatform jira = new JiraPlatform(atlassian.settings(), new ProviderHttp(), clock);
    private final HttpClient client = HttpClient.newHttpClient(); // never follows redirects

    @AfterEach
    void stop() {
        atlassian.close();
    }

    @Test
    void authorizePageConsentsAndRedirectsWithCodeAndState() throws Exception {
        HttpResponse<String> page = get(jira.authorizeUrl("st@te 1", REDIRECT_URI, null), null);

        assertThat(page.statusCode()).isEqualTo(302);
        URI callback = URI.create(page.headers().firstValue("Location").orElseThrow());
        assertThat(callback.toString()).startsWith(REDIRECT_URI + "?code=");
        assertThat(callback.getQuery()).endsWith("&state=st@te 1");
    }

    @Test
    void authorizePageRedirectsWithAccessDeniedWhenTheUserRefuses() throws Exception {
        atlassian.denyConsent(true);

        HttpResponse<String> page = get(jira.authorizeUrl("s", REDIRECT_URI, null), null);

        assertThat(page.headers().firstValue("Location").orElseThrow())
                .startsWith(REDIRECT_URI + "?error=access_denied&").endsWith("&state=s");
    }

    @Test
    void myselfAnswersOnlyForASiteTheTokensGrantCovers() throws Exception {
        Site granted = Site.named("acme");
        atlassian.sites(granted);
        String accessToken = connect().credential().accessToken();
        atlassian.sites(Site.named("other"));
        String otherSite = connect().accounts().get(0).externalId();

        HttpResponse<String> mine = get(myself(granted.id()), accessToken);
        HttpResponse<String> foreign = get(myself(otherSite), accessToken);

        assertThat(mine.statusCode()).isEqualTo(200);
        assertThat(mine.body()).contains("\"accountId\"");
        assertThat(foreign.statusCode()).isEqualTo(401);
    }

    @Test
    void anExpiredAccessTokenIsRefused() throws Exception {
        Authorization authorization = connect();
        clock.advance(Duration.ofSeconds(FakeAtlassian.EXPIRES_IN));

        HttpResponse<String> answer = get(myself(authorization.accounts().get(0).externalId()),
                authorization.credential().accessToken());

        assertThat(answer.statusCode()).isEqualTo(401);
    }

    @Test
    void tokenEndpointRefusesAFormEncodedBody() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(atlassian.url() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ProviderHttp.form(Map.of("grant_type", "refresh_token", "refresh_token", "x",
                        "client_id", FakeAtlassian.CLIENT_ID, "client_secret", FakeAtlassian.CLIENT_SECRET)))
                .build();

        HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("invalid_request");
        assertThat(atlassian.refreshCalls()).as("not a JSON refresh grant").isZero();
    }

    private Authorization connect() throws ProviderException {
        String code = atlassian.consent(jira.authorizeUrl("s", REDIRECT_URI, null));
        return jira.complete(Map.of("code", code), REDIRECT_URI, null);
    }

    private URI myself(String cloudId) {
        return URI.create(atlassian.url() + "/ex/jira/" + cloudId + "/rest/api/3/myself");
    }

    private HttpResponse<String> get(URI uri, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
