package gatehouse.users;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signing in and out (docs/security.md, "Callers"): the JSON login and its session cookie, CSRF on cookie-authenticated
 * unsafe requests, logout, the user's own browser sessions, and the HTML login page with its
 * double-submit CSRF cookie and local-only {@code return_to} (README, "Choices where the contract is
 * silent").
 */
class AuthIT {
    private static final String LOGIN = "/api/v1/auth/login";
    private static final String LOGOUT = "/api/v1/auth/logout";
    private static final String SESSIONS = "/api/v1/auth/sessions";
    private static final String ME = "/api/v1/users/me";
    private static final String SESSION_COOKIE = "gatehouse_session";

    private Fixtures.User user;

    @BeforeEach
    void setUp() {
        user = Fixtures.newUser();
    }

    // ---- JSON login --------------------------------------------------------------------------------

    @Test
    void loginWhenCredentialsRightThenUserCsrfTokenAndHttpOnlyLaxSessionCookie() {
        Http browser = Http.browser();
        Http.Response response = browser.postJson(LOGIN, Map.of("username", user.username(), "password", user.password()));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).as("carries a session").isEqualTo("no-store");
        JsonNode body = response.json();
        assertThat(body.get("user").get("id").asText()).isEqualTo(user.id());
        assertThat(body.get("user").get("username").asText()).isEqualTo(user.username());
        assertThat(response.body()).doesNotContain("password").doesNotContain("$argon2");
        assertThat(body.get("csrf_token").asText()).isNotBlank();

        String cookie = sessionSetCookie(response);
        assertThat(cookie).as("a session cookie is set").isNotNull();
        assertThat(cookieValue(cookie)).isNotBlank();
        List<String> attributes = attributes(cookie);
        assertThat(attributes).contains("httponly", "samesite=lax");
        assertThat(attributes).as("no Secure over a plain-http issuer").doesNotContain("secure");

        Http.Response me = browser.get(ME);
        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.text("id")).isEqualTo(user.id());
    }

    @Test
    void loginWhenPasswordWrongOrUserUnknownThenSame401WithoutSession() {
        Http.Response wrongPassword = Http.browser().postJson(LOGIN,
                Map.of("username", user.username(), "password", user.password() + "x"));
        Http.Response unknownUser = Http.browser().postJson(LOGIN,
                Map.of("username", Fixtures.unique("nobody") + "@example.test", "password", user.password()));

        assertError(wrongPassword, 401, "unauthenticated");
        assertError(unknownUser, 401, "unauthenticated");
        assertThat(unknownUser.body()).as("no account enumeration").isEqualTo(wrongPassword.body());
        assertThat(sessionSetCookie(wrongPassword)).isNull();
        assertThat(sessionSetCookie(unknownUser)).isNull();
    }

    @Test
    void loginWhenUsernameDiffersInCaseThenSameUser() {
        Http.Response response = Http.browser().postJson(LOGIN,
                Map.of("username", user.username().toUpperCase(), "password", user.password()));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("user").get("id").asText()).isEqualTo(user.id());
    }

    // ---- CSRF on cookie-authenticated requests ------------------------------------------------------

    @Test
    void cookieAuthenticatedUnsafeRequestWithoutCsrfTokenThenForbidden() {
        Http session = user.login();
        String csrf = session.csrf();
        session.csrf(null);

        assertError(session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))), 403, "forbidden");
        assertError(session.putJson("/api/v1/oauth/clients/foapp_" + "0".repeat(24), Map.of("name", "x")), 403, "forbidden");
        assertError(session.delete(SESSIONS + "/" + UUID.randomUUID()), 403, "forbidden");
        assertError(session.postJson(LOGOUT, Map.of()), 403, "forbidden");

        Http.Response me = session.get(ME);
        assertThat(me.status()).as("GET needs no CSRF token: %s", me.body()).isEqualTo(200);
        Http.Response orgs = session.get("/api/v1/orgs");
        assertThat(orgs.status()).as(orgs.body()).isEqualTo(200);
        assertThat(orgs.json().get("data")).as("the refused POST created nothing").isEmpty();

        session.csrf(csrf);
        Http.Response created = session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    @Test
    void cookieAuthenticatedUnsafeRequestWithWrongCsrfTokenThenForbidden() {
        Http session = user.login();
        String otherUsersToken = Fixtures.newUser().login().csrf();

        for (String wrong : List.of("wrong", otherUsersToken, session.csrf() + "x", session.csrf().toLowerCase() + "Z")) {
            session.csrf(wrong);
            assertError(session.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Org"))), 403, "forbidden");
            assertError(session.putJson("/api/v1/oauth/clients/foapp_" + "0".repeat(24), Map.of("name", "x")), 403, "forbidden");
            assertError(session.delete(SESSIONS + "/" + UUID.randomUUID()), 403, "forbidden");
        }
    }

    // ---- logout ---------------------------------------------------------------------------------------

    @Test
    void logoutEndsTheSessionOnTheServer() {
        Http browser = Http.browser();
        Http.Response login = browser.postJson(LOGIN, Map.of("username", user.username(), "password", user.password()));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        browser.csrf(login.text("csrf_token"));
        String cookie = cookieValue(sessionSetCookie(login));

        Http.Response logout = browser.postJson(LOGOUT, Map.of());
        assertThat(logout.status()).as("a success other than create/DELETE is 200: %s", logout)
                .isEqualTo(200);

        assertError(browser.get(ME), 401, "unauthenticated");
        Http.Response replayed = Http.anonymous().get(ME, "Cookie", SESSION_COOKIE + "=" + cookie);
        assertError(replayed, 401, "unauthenticated");
        Http.Response replayedList = Http.anonymous().get(SESSIONS, "Cookie", SESSION_COOKIE + "=" + cookie);
        assertError(replayedList, 401, "unauthenticated");
    }

    @Test
    void logoutWithoutSessionThenUnauthenticated() {
        assertError(Http.anonymous().postJson(LOGOUT, Map.of()), 401, "unauthenticated");
    }

    // ---- the user's browser sessions -----------------------------------------------------------------

    @Test
    void sessionsListsEachBrowserSessionOfTheUserWithTheCurrentOneMarked() {
        Http laptop = login(user, "Laptop-Browser/1.0");
        Http phone = login(user, "Phone-Browser/2.0");
        Http stranger = login(Fixtures.newUser(), "Stranger/1.0");

        Http.Response response = laptop.get(SESSIONS);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> sessions = list(response);
        assertThat(sessions).hasSize(2);
        for (JsonNode session : sessions) {
            assertThat(fieldNames(session)).contains("id", "created_at", "last_seen_at", "ip", "user_agent", "current");
            UUID.fromString(session.get("id").asText());
            Instant.parse(session.get("created_at").asText());
            Instant.parse(session.get("last_seen_at").asText());
            assertThat(session.get("ip").asText()).isEqualTo("127.0.0.1");
        }
        assertThat(sessions).extracting(s -> s.get("user_agent").asText())
                .containsExactlyInAnyOrder("Laptop-Browser/1.0", "Phone-Browser/2.0");
        assertThat(sessions).filteredOn(s -> s.get("current").asBoolean())
                .singleElement().extracting(s -> s.get("user_agent").asText()).isEqualTo("Laptop-Browser/1.0");

        List<JsonNode> fromPhone = list(phone.get(SESSIONS));
        assertThat(fromPhone).filteredOn(s -> s.get("current").asBoolean())
                .singleElement().extracting(s -> s.get("user_agent").asText()).isEqualTo("Phone-Browser/2.0");
        assertThat(list(stranger.get(SESSIONS))).singleElement()
                .extracting(s -> s.get("user_agent").asText()).isEqualTo("Stranger/1.0");
    }

    @Test
    void deleteSessionEndsAnotherSessionOfTheSameUser() {
        Http laptop = login(user, "Laptop-Browser/1.0");
        Http phone = login(user, "Phone-Browser/2.0");
        String phoneId = sessionIdOf(laptop, "Phone-Browser/2.0");

        Http.Response deleted = laptop.delete(SESSIONS + "/" + phoneId);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);

        assertError(phone.get(ME), 401, "unauthenticated");
        assertThat(laptop.get(ME).status()).isEqualTo(200);
        assertThat(list(laptop.get(SESSIONS))).extracting(s -> s.get("id").asText()).doesNotContain(phoneId);
        assertError(laptop.delete(SESSIONS + "/" + phoneId), 404, "not_found");
    }

    @Test
    void deleteSessionOfAnotherUserThenNotFoundAndThatSessionLives() {
        Http mine = login(user, "Mine/1.0");
        Http theirs = login(Fixtures.newUser(), "Theirs/1.0");
        String theirId = sessionIdOf(theirs, "Theirs/1.0");

        assertError(mine.delete(SESSIONS + "/" + theirId), 404, "not_found");
        assertError(mine.delete(SESSIONS + "/" + UUID.randomUUID()), 404, "not_found");
        assertThat(theirs.get(ME).status()).as("the other user's session still works").isEqualTo(200);
    }

    @Test
    void sessionsWithoutCredentialsThenUnauthenticated() {
        assertError(Http.anonymous().get(SESSIONS), 401, "unauthenticated");
        assertError(Http.anonymous().delete(SESSIONS + "/" + UUID.randomUUID()), 401, "unauthenticated");
    }

    // ---- the HTML login page --------------------------------------------------------------------------

    @Test
    void loginPageRendersFormWithCsrfFieldSetsLoginCsrfCookieAndSecurityHeaders() {
        Http.Response page = Http.browser().get("/login");

        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertSecurityHeaders(page);
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/login]");
        assertThat(form).as("login form").isNotNull();
        assertThat(form.attr("method")).isEqualToIgnoringCase("post");
        assertThat(form.selectFirst("input[name=csrf_token]").attr("value")).isNotBlank();
        assertThat(form.selectFirst("input[name=username]")).isNotNull();
        assertThat(form.selectFirst("input[name=password][type=password]")).isNotNull();
        List<String> cookies = page.headers().allValues("Set-Cookie");
        assertThat(cookies).as("a login CSRF cookie").isNotEmpty()
                .noneMatch(c -> c.startsWith(SESSION_COOKIE + "="));
    }

    @Test
    void loginFormWithWrongCsrfTokenThen403PageAndNoSession() {
        Http browser = Http.browser();
        Map<String, String> fields = loginFields(browser, "/login");
        fields.put("csrf_token", "A".repeat(43));

        Http.Response response = browser.postForm("/login", Http.form(withCredentials(fields, user.password())));

        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(response.header("Content-Type")).startsWith("text/html");
        assertSecurityHeaders(response);
        assertThat(sessionSetCookie(response)).isNull();
        assertThat(browser.get(ME).status()).isEqualTo(401);
    }

    @Test
    void loginFormWithoutTheCsrfCookieThen403Page() {
        Map<String, String> fields = loginFields(Http.browser(), "/login");
        // A cross-site form post carries the field an attacker copied, but not the victim's cookie.
        Http.Response response = Http.anonymous().postForm("/login", Http.form(withCredentials(fields, user.password())));

        assertThat(response.status()).as(response.body()).isEqualTo(403);
        assertThat(sessionSetCookie(response)).isNull();
    }

    @Test
    void loginFormWithWrongPasswordOrUnknownUserThen401PageWithTheSameMessage() {
        Http browser = Http.browser();
        Map<String, String> fields = loginFields(browser, "/login");
        Http.Response wrongPassword = browser.postForm("/login", Http.form(withCredentials(fields, user.password() + "x")));

        Map<String, String> unknown = loginFields(browser, "/login");
        unknown.put("username", Fixtures.unique("nobody") + "@example.test");
        unknown.put("password", user.password());
        Http.Response unknownUser = browser.postForm("/login", Http.form(unknown));

        for (Http.Response response : List.of(wrongPassword, unknownUser)) {
            assertThat(response.status()).as(response.body()).isEqualTo(401);
            assertThat(response.header("Content-Type")).startsWith("text/html");
            assertSecurityHeaders(response);
            assertThat(sessionSetCookie(response)).isNull();
            Document page = Jsoup.parse(response.body());
            assertThat(page.selectFirst("form[action=/login]")).as("the form again").isNotNull();
            assertThat(page.select("[role=alert]").text()).as("an error message").isNotBlank();
        }
        assertThat(Jsoup.parse(unknownUser.body()).select("[role=alert]").text())
                .as("no account enumeration")
                .isEqualTo(Jsoup.parse(wrongPassword.body()).select("[role=alert]").text());
        assertThat(browser.get(ME).status()).isEqualTo(401);
    }

    @Test
    void loginFormWithReturnToAnAuthorizeRequestThenRedirectsThereSignedIn() {
        String returnTo = "/oauth/authorize?" + Http.form("response_type", "code", "client_id", "foapp_abc",
                "state", "s 1", "scope", "a b");
        Http browser = Http.browser();
        Map<String, String> fields = loginFields(browser, "/login?" + Http.form("return_to", returnTo));
        assertThat(fields.get("return_to")).isEqualTo(returnTo);

        Http.Response response = browser.postForm("/login", Http.form(withCredentials(fields, user.password())));

        assertThat(response.status()).as(response.body()).isEqualTo(302);
        assertThat(response.location()).isEqualTo(returnTo);
        String cookie = sessionSetCookie(response);
        assertThat(cookie).isNotNull();
        assertThat(attributes(cookie)).contains("httponly", "samesite=lax").doesNotContain("secure");
        Http.Response me = browser.get(ME);
        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.text("id")).isEqualTo(user.id());
    }

    @Test
    void loginFormAfterAFailedAttemptStillReturnsToTheAuthorizeRequest() {
        String returnTo = "/oauth/authorize?" + Http.form("response_type", "code", "client_id", "foapp_xyz", "state", "s2");
        Http browser = Http.browser();
        Map<String, String> fields = loginFields(browser, "/login?" + Http.form("return_to", returnTo));
        Http.Response failed = browser.postForm("/login", Http.form(withCredentials(fields, user.password() + "x")));
        assertThat(failed.status()).isEqualTo(401);

        Map<String, String> again = new LinkedHashMap<>();
        for (Element input : Jsoup.parse(failed.body()).select("form[action=/login] input[type=hidden]")) {
            again.put(input.attr("name"), input.attr("value"));
        }
        assertThat(again).containsEntry("return_to", returnTo).containsKey("csrf_token");
        Http.Response response = browser.postForm("/login", Http.form(withCredentials(again, user.password())));

        assertThat(response.status()).as(response.body()).isEqualTo(302);
        assertThat(response.location()).isEqualTo(returnTo);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://evil.example/", "//evil.example/path", "http://evil.example",
            "/\\evil.example", "\\\\evil.example", "https:evil.example", "javascript:alert(1)"})
    void loginFormWithOffSiteReturnToThenNoRedirectOffSite(String returnTo) {
        Http browser = Http.browser();
        Map<String, String> fields = loginFields(browser, "/login?" + Http.form("return_to", returnTo));
        if (fields.containsKey("return_to")) {
            assertThat(fields.get("return_to")).as("the page does not carry it").doesNotContain("evil.example")
                    .startsWith("/").doesNotStartWith("//");
        }
        fields.put("return_to", returnTo); // as if the attacker wrote it into the form itself

        Http.Response response = browser.postForm("/login", Http.form(withCredentials(fields, user.password())));

        assertThat(response.status()).as(response.body()).isIn(200, 302, 303);
        if (response.status() != 200) {
            assertThat(response.location()).startsWith("/").doesNotStartWith("//")
                    .doesNotContain("evil.example").doesNotContain("\\");
        }
        assertThat(browser.get(ME).status()).as("signed in all the same").isEqualTo(200);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Logs in through the JSON API with a given User-Agent; the session sends the CSRF token. */
    private static Http login(Fixtures.User who, String userAgent) {
        Http browser = Http.browser();
        Http.Response response = browser.postJson(LOGIN, Map.of("username", who.username(), "password", who.password()),
                "User-Agent", userAgent);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return browser.csrf(response.text("csrf_token"));
    }

    private static String sessionIdOf(Http session, String userAgent) {
        return list(session.get(SESSIONS)).stream()
                .filter(s -> s.get("user_agent").asText().equals(userAgent))
                .findFirst().orElseThrow().get("id").asText();
    }

    private static List<JsonNode> list(Http.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode json = response.json();
        JsonNode data = json.isArray() ? json : json.get("data");
        assertThat(data).as("a list: %s", response.body()).isNotNull();
        List<JsonNode> items = new ArrayList<>();
        data.forEach(items::add);
        return items;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The hidden fields of the login form served at {@code path}, in a mutable map. */
    private static Map<String, String> loginFields(Http browser, String path) {
        Http.Response page = browser.get(path);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/login]");
        assertThat(form).as("login form").isNotNull();
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.put(input.attr("name"), input.attr("value"));
        }
        return fields;
    }

    private Map<String, String> withCredentials(Map<String, String> fields, String password) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.put("username", user.username());
        all.put("password", password);
        return all;
    }

    private static String sessionSetCookie(Http.Response response) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(SESSION_COOKIE + "=") && !cookieValue(c).isEmpty())
                .findFirst().orElse(null);
    }

    private static String cookieValue(String setCookie) {
        String pair = setCookie.split(";", 2)[0];
        return pair.substring(pair.indexOf('=') + 1).trim();
    }

    private static List<String> attributes(String setCookie) {
        List<String> attributes = new ArrayList<>();
        String[] parts = setCookie.split(";");
        for (int i = 1; i < parts.length; i++) {
            attributes.add(parts[i].trim().toLowerCase().replace(" ", ""));
        }
        return attributes;
    }

    private static void assertSecurityHeaders(Http.Response page) {
        assertThat(page.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
    }
}
