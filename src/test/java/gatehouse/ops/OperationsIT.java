package gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What operators and browsers rely on (docs/http.md, "Conventions", §6, §7): the health check, request IDs on every
 * answer, Prometheus metrics by route template, the HTML pages' security headers, no-store token
 * responses, and a log that never repeats a secret.
 */
class OperationsIT {
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("ops");
    private final Fixtures.User user = tenant.user();
    private final String orgId = tenant.orgId();
    private final String scope = tenant.scope();

    @Test
    void healthWhenDatabaseUpThen200WithDatabaseOk() {
        Http.Response health = api.get("/health");

        assertThat(health.status()).as(health.body()).isEqualTo(200);
        assertThat(health.header("Content-Type")).startsWith("application/json");
        JsonNode body = health.json();
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(body.path("checks").path("database").asText()).isEqualTo("ok");
        assertThat(body.path("checks").path("redis").asText()).isIn("ok", "disabled");
    }

    @Test
    void everyResponseWhenSuccessErrorOrRedirectThenCarriesRequestId() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        Map<String, Http.Response> responses = new LinkedHashMap<>();
        responses.put("health", api.get("/health"));
        responses.put("metadata", api.get("/.well-known/oauth-authorization-server"));
        responses.put("unknown path", api.get("/no/such/" + Fixtures.unique("path")));
        responses.put("wrong method", api.delete("/oauth/token"));
        responses.put("unauthenticated", api.get("/api/v1/users/me"));
        responses.put("bad token request", api.postForm("/oauth/token", "grant_type=nope"));
        responses.put("failed client auth", api.postForm("/oauth/token", "grant_type=client_credentials",
                "Authorization", Http.basic(app.clientId(), "wrong")));
        responses.put("wrong content type", Fixtures.admin().send("POST", "/api/v1/orgs", "text/plain", "x"));
        responses.put("malformed JSON", Fixtures.admin().postJson("/api/v1/orgs", "{\"name\":"));
        responses.put("redirect to login", api.get("/oauth/authorize?" + Http.form("response_type", "code",
                "client_id", app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope,
                "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256")));
        responses.put("authorize error page", api.get("/oauth/authorize?response_type=code&client_id=foapp_unknown"));
        responses.put("login page", api.get("/login"));
        responses.put("metrics", Fixtures.admin().get("/metrics"));
        responses.put("too large body (raw)", RawHttp.send("POST", "/oauth/token",
                ("a=" + "x".repeat(70_000)).getBytes(StandardCharsets.UTF_8), false,
                "Content-Type", "application/x-www-form-urlencoded"));
        responses.put("broken path encoding (raw)", RawHttp.send("GET", "/oauth/%zz"));
        responses.put("headers too large (raw)", RawHttp.send("GET", "/health", "X-Filler", "y".repeat(40_000)));
        responses.put("malformed request line (raw)", RawHttp.send("GET", "/health?a=b c"));

        assertThat(responses.get("redirect to login").status()).isEqualTo(302);
        assertThat(responses.get("unknown path").status()).isEqualTo(404);
        assertSoftly(softly -> responses.forEach((name, response) -> {
            String id = response.header("X-Request-Id");
            softly.assertThat(id).as("X-Request-Id of %s (%s)", name, response.status()).isNotBlank();
            if (id != null) {
                softly.assertThat(id).as("X-Request-Id of %s", name).matches(SANE_ID);
            }
        }));
        List<String> ids = responses.values().stream().map(r -> r.header("X-Request-Id")).toList();
        assertThat(ids).as("a fresh ID per request").doesNotHaveDuplicates();
    }

    @Test
    void requestIdWhenSaneThenEchoedAndWhenInsaneThenReplaced() {
        String sane = "req-" + Fixtures.unique("abc").replace('-', '_') + ".1";
        assertThat(api.get("/health", "X-Request-Id", sane).header("X-Request-Id")).isEqualTo(sane);
        assertThat(api.get("/no/such/thing", "X-Request-Id", sane).header("X-Request-Id")).isEqualTo(sane);
        assertThat(api.postForm("/oauth/token", "grant_type=nope", "X-Request-Id", sane).header("X-Request-Id"))
                .isEqualTo(sane);

        for (String insane : List.of("has spaces in it", "a".repeat(200), "<script>alert(1)</script>",
                "id;drop table", "../../etc/passwd")) {
            String answered = api.get("/health", "X-Request-Id", insane).header("X-Request-Id");
            assertThat(answered).as("for offered %s", insane).isNotBlank().isNotEqualTo(insane).matches(SANE_ID);
        }
    }

    @Test
    void metricsWhenScrapedThenRequestsByRouteTemplateAndTokensByGrant() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("grant_types", List.of("client_credentials"),
                "actor_modes", List.of("app"), "scope", scope));
        String unmatched = "/no/such/" + Fixtures.unique("metric");
        assertThat(user.login().get("/api/v1/orgs/" + orgId).status()).isEqualTo(200);
        assertThat(api.get(unmatched).status()).isEqualTo(404);
        double before = tokensIssued(scrape(), "client_credentials");

        Http.Response token = api.postForm("/oauth/token", "grant_type=client_credentials", "Authorization", app.basic());
        assertThat(token.status()).as(token.body()).isEqualTo(200);

        Http.Response metrics = Fixtures.admin().get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).startsWith("text/plain");
        List<Sample> samples = parse(metrics.body());
        List<String> series = samples.stream().filter(s -> s.name().equals("http_server_requests_seconds_count"))
                .map(s -> s.labels().get("method") + " " + s.labels().get("route") + " " + s.labels().get("status"))
                .toList();
        assertThat(series).as("http_server_requests_seconds_count series (method route status)")
                .contains("GET /api/v1/orgs/{id} 200", "POST /oauth/token 200")
                .anyMatch(s -> s.startsWith("GET ") && s.endsWith(" 404"));
        assertThat(metrics.body()).as("raw IDs and paths never become label values")
                .doesNotContain(orgId).doesNotContain(unmatched);
        assertThat(tokensIssued(samples, "client_credentials")).isGreaterThanOrEqualTo(before + 1);
    }

    @Test
    void htmlPagesWhenServedThenCarryFramingReferrerAndCspHeaders() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope));
        var browser = new OAuthBrowser(user);
        Map<String, Http.Response> pages = new LinkedHashMap<>();
        pages.put("login page", Http.browser().get("/login"));
        Http.Response redirect = browser.open(Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "s",
                "code_challenge", Fixtures.pkce().challenge(), "code_challenge_method", "S256"));
        pages.put("consent page", browser.signIn(redirect));
        pages.put("authorize error page (unknown client)",
                api.get("/oauth/authorize?response_type=code&client_id=foapp_unknown&redirect_uri="
                        + Fixtures.REDIRECT_URI));
        pages.put("authorize error page (unregistered redirect)", api.get("/oauth/authorize?" + Http.form(
                "response_type", "code", "client_id", app.clientId(), "redirect_uri", "https://evil.example/cb")));
        pages.put("failed login page", failedHtmlLogin());

        assertThat(pages.get("consent page").status()).isEqualTo(200);
        assertThat(pages.get("authorize error page (unknown client)").status()).isEqualTo(400);
        assertSoftly(softly -> pages.forEach((name, page) -> {
            softly.assertThat(page.header("Content-Type")).as("content type of %s", name).startsWith("text/html");
            softly.assertThat(page.header("Content-Security-Policy")).as("CSP of %s", name)
                    .isNotNull().contains("frame-ancestors 'none'").contains("style-src 'self'")
                    .doesNotContain("unsafe-inline");
            softly.assertThat(Jsoup.parse(page.body()).select("style, [style]")).as("inline styles in %s", name)
                    .isEmpty();
            softly.assertThat(Jsoup.parse(page.body()).select("link[rel=stylesheet]").eachAttr("href"))
                    .as("stylesheet of %s", name).containsExactly("/assets/console.css");
            softly.assertThat(page.header("X-Frame-Options")).as("X-Frame-Options of %s", name).isEqualTo("DENY");
            softly.assertThat(page.header("Referrer-Policy")).as("Referrer-Policy of %s", name).isEqualTo("no-referrer");
        }));
    }

    @Test
    void stylesheetWhenRequestedThenServedAsCssAndNothingElseUnderAssets() {
        Http.Response css = api.get("/assets/console.css");
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type")).startsWith("text/css");
        assertThat(css.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(css.body()).contains("font-family");

        for (String path : List.of("/assets/other.css", "/assets/..%2Fopenapi.json", "/assets/%2e%2e%2fapplication.conf",
                "/assets/")) {
            Http.Response refused = api.get(path);
            assertThat(refused.status()).as(path).isEqualTo(404);
            assertThat(refused.json().get("error").asText()).as(path).isEqualTo("not_found");
        }
        assertThat(api.get("/assets/console.css%00.js").status()).as("NUL refused at the edge").isEqualTo(400);
    }

    @Test
    void tokenResponsesWhenIssuedThenNoStoreAndNoCache() {
        Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope,
                "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"),
                "actor_modes", List.of("self", "app")));
        var pkce = Fixtures.pkce();
        String location = new OAuthBrowser(user).authorize(Http.form("response_type", "code", "client_id",
                app.clientId(), "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "actor", "self",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        Map<String, Http.Response> responses = new LinkedHashMap<>();
        Http.Response code = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                "code", Http.queryOf(location).get("code"), "redirect_uri", Fixtures.REDIRECT_URI,
                "code_verifier", pkce.verifier()), "Authorization", app.basic());
        responses.put("authorization_code", code);
        responses.put("refresh_token", api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", code.text("refresh_token")), "Authorization", app.basic()));
        responses.put("client_credentials", api.postForm("/oauth/token", "grant_type=client_credentials",
                "Authorization", app.basic()));
        responses.put("client_credentials (alias)", api.postForm("/api/v1/oauth/tokens", "grant_type=client_credentials",
                "Authorization", app.basic()));

        assertSoftly(softly -> responses.forEach((name, response) -> {
            softly.assertThat(response.status()).as("%s: %s", name, response.body()).isEqualTo(200);
            softly.assertThat(response.header("Cache-Control")).as("Cache-Control of %s", name).isEqualTo("no-store");
            softly.assertThat(response.header("Pragma")).as("Pragma of %s", name).isEqualTo("no-cache");
        }));
        Http.Response refused = api.postForm("/oauth/token", "grant_type=client_credentials",
                "Authorization", Http.basic(app.clientId(), "wrong"));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("Cache-Control")).as("Cache-Control of a token error").isEqualTo("no-store");
    }

    /**
     * Runs a whole code flow, refresh, client credentials, introspection, revocation and failed
     * logins with the root logger captured, then looks for every secret the test sent or received
     * in every logged message and stack trace.
     */
    @Test
    void logWhenFlowsAndFailuresRunThenNeverContainsSecretsTokensCodesOrPasswords() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(root.getLoggerContext());
        captured.start();
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>();
        try {
            Fixtures.User person = Fixtures.newUser();
            secrets.add(person.password());
            Fixtures.App app = Fixtures.app(Fixtures.admin(), orgId, Map.of("scope", scope,
                    "grant_types", List.of("authorization_code", "refresh_token", "client_credentials"),
                    "actor_modes", List.of("self", "app")));
            secrets.add(app.secret());

            // The code flow through the HTML login and consent pages.
            var pkce = Fixtures.pkce();
            secrets.add(pkce.verifier());
            var browser = new OAuthBrowser(person);
            String location = browser.authorize(Http.form("response_type", "code", "client_id", app.clientId(),
                    "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "actor", "self", "state", "log-state",
                    "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
            String code = Http.queryOf(location).get("code");
            assertThat(code).as(location).isNotNull();
            secrets.add(code);
            Http.Response tokens = api.postForm("/oauth/token", Http.form("grant_type", "authorization_code",
                    "code", code, "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier()),
                    "Authorization", app.basic());
            assertThat(tokens.status()).as(tokens.body()).isEqualTo(200);
            secrets.add(tokens.text("access_token"));
            secrets.add(tokens.text("refresh_token"));

            Http.Response refreshed = api.postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                    "refresh_token", tokens.text("refresh_token"), "client_id", app.clientId(),
                    "client_secret", app.secret()));
            assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
            secrets.add(refreshed.text("access_token"));
            secrets.add(refreshed.text("refresh_token"));
            // Reusing the rotated refresh token, and a forged one.
            api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token",
                    tokens.text("refresh_token")), "Authorization", app.basic());
            // Replaying the code: refused (and the family revoked), and the refusal is logged.
            assertThat(api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code,
                    "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", pkce.verifier()),
                    "Authorization", app.basic()).status()).isEqualTo(400);
            String forgedRefresh = "foor_" + "A".repeat(43) + "000000";
            secrets.add(forgedRefresh);
            api.postForm("/oauth/token", Http.form("grant_type", "refresh_token", "refresh_token", forgedRefresh),
                    "Authorization", app.basic());

            Http.Response service = api.postForm("/oauth/token", "grant_type=client_credentials",
                    "Authorization", app.basic());
            assertThat(service.status()).as(service.body()).isEqualTo(200);
            secrets.add(service.text("access_token"));
            api.postForm("/oauth/introspect", Http.form("token", service.text("access_token")), "Authorization", app.basic());
            api.get("/oauth/token/info", "Authorization", "Bearer " + service.text("access_token"));
            api.postForm("/oauth/revoke", Http.form("token", service.text("access_token")), "Authorization", app.basic());
            api.get("/oauth/token/info", "Authorization", "Bearer " + service.text("access_token"));

            // Failed client authentication, Basic and post, with secrets that look real.
            String wrongSecret = "fosec_" + "B".repeat(43) + "000000";
            secrets.add(wrongSecret);
            api.postForm("/oauth/token", "grant_type=client_credentials", "Authorization",
                    Http.basic(app.clientId(), wrongSecret));
            api.postForm("/oauth/token", Http.form("grant_type", "client_credentials", "client_id", app.clientId(),
                    "client_secret", wrongSecret));
            // Both methods at once (invalid_request).
            api.postForm("/oauth/token", Http.form("grant_type", "client_credentials", "client_id", app.clientId(),
                    "client_secret", app.secret()), "Authorization", app.basic());

            // Failed logins: JSON and the HTML form.
            String wrongPassword = "wrong-" + Fixtures.unique("password");
            secrets.add(wrongPassword);
            Http.Response failed = Http.browser().postJson("/api/v1/auth/login",
                    Map.of("username", person.username(), "password", wrongPassword));
            assertThat(failed.status()).isEqualTo(401);
            Http.Response failedPage = failedHtmlLogin(person.username(), wrongPassword);
            assertThat(failedPage.status()).isEqualTo(401);
            // A password sent where it does not belong (a malformed login body).
            api.postJson("/api/v1/auth/login", "{\"username\": \"" + person.username() + "\", \"password\": \""
                    + wrongPassword + "\", \"password\": 7}");
            Thread.sleep(300); // the request log line is written after the answer
        } finally {
            root.detachAppender(captured);
            captured.stop();
        }

        List<ILoggingEvent> events = new ArrayList<>(captured.list);
        assertThat(events).as("the appender saw the request log").anyMatch(e -> e.getFormattedMessage().contains("/oauth/token"));
        List<String> leaks = new ArrayList<>();
        for (ILoggingEvent event : events) {
            String text = render(event);
            for (String secret : secrets) {
                if (secret != null && text.contains(secret)) {
                    leaks.add(event.getLoggerName() + ": " + text);
                }
            }
        }
        assertThat(leaks).as("log lines containing a secret").isEmpty();
    }

    private Http.Response failedHtmlLogin() {
        return failedHtmlLogin(user.username(), "not-the-password-" + Fixtures.unique("x"));
    }

    /** Submits the HTML login form (with its CSRF field) with a wrong password. */
    private static Http.Response failedHtmlLogin(String username, String password) {
        Http browser = Http.browser();
        Http.Response page = browser.get("/login");
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/login]");
        assertThat(form).as("login form").isNotNull();
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        fields.addAll(List.of("username", username, "password", password));
        return browser.postForm("/login", Http.form(fields.toArray(String[]::new)));
    }

    private static String render(ILoggingEvent event) {
        var text = new StringBuilder(event.getFormattedMessage());
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        if (event.getArgumentArray() != null) {
            for (Object argument : event.getArgumentArray()) {
                text.append(" | ").append(argument);
            }
        }
        return text.toString();
    }

    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private List<Sample> scrape() {
        Http.Response metrics = Fixtures.admin().get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        return parse(metrics.body());
    }

    private static List<Sample> parse(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.find()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher label = LABEL.matcher(m.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            double value;
            try {
                value = Double.parseDouble(m.group(4));
            } catch (NumberFormatException e) {
                value = Double.NaN;
            }
            samples.add(new Sample(m.group(1), labels, value));
        }
        return samples;
    }

    private static double tokensIssued(List<Sample> samples, String grantType) {
        return samples.stream()
                .filter(s -> s.name().equals("gatehouse_tokens_issued_total"))
                .filter(s -> grantType.equals(s.labels().get("grant_type")))
                .mapToDouble(Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no gatehouse_tokens_issued_total{grant_type=\"" + grantType + "\"}"));
    }
}
