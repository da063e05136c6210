package gatehouse.users;

import static gatehouse.testing.OAuthAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestDatabase;
import gatehouse.testing.TestServer;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Email verification and password reset over real SMTP (docs/http.md, "The management API" "Users"): GreenMail is the mail
 * server, with a login Gatehouse must use, and this Gatehouse requires verified emails
 * (GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true).
 */
class AccountEmailsIT {
    private static final Pattern VERIFY_LINK = Pattern.compile("(http://\\S+)/verify-email\\?token=(\\S+)");
    private static final Pattern RESET_LINK = Pattern.compile("(http://\\S+)/reset-password\\?token=(\\S+)");

    private static final Instant STARTED = Instant.now().minusSeconds(5);

    private static GreenMail smtp;
    private static TestServer server;
    private static Http admin;
    private static String orgId;

    @BeforeAll
    static void start() {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.setUser("gatehouse-mailer", "smtp-password-for-tests");
        smtp.start();
        server = TestServer.start(Map.of(
                "GATEHOUSE_SMTP_HOST", "127.0.0.1",
                "GATEHOUSE_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()),
                "GATEHOUSE_SMTP_USERNAME", "gatehouse-mailer",
                "GATEHOUSE_SMTP_PASSWORD", "smtp-password-for-tests",
                "GATEHOUSE_SMTP_FROM", "Gatehouse <no-reply@gatehouse.test>",
                "GATEHOUSE_SMTP_STARTTLS", "false",
                "GATEHOUSE_REQUIRE_VERIFIED_EMAIL", "true"));
        admin = login(TestServer.ADMIN_USERNAME, TestServer.ADMIN_PASSWORD);
        Http.Response org = admin.postJson("/api/v1/orgs", Map.of("name", Fixtures.unique("Mail Org")));
        assertThat(org.status()).as(org.body()).isEqualTo(201);
        orgId = org.text("id");
    }

    @AfterAll
    static void stop() {
        server.close();
        smtp.stop();
    }

    @Test
    void signUpSendsVerificationEmailWhoseLinkWorksOnce() throws Exception {
        Person person = register();
        MimeMessage email = awaitEmails(person.username, 1).getFirst();
        assertThat(email.getSubject()).isEqualTo("Verify your email address");
        assertThat(email.getFrom()[0].toString()).contains("no-reply@gatehouse.test");
        assertThat(email.getRecipients(Message.RecipientType.TO)[0].toString()).isEqualTo(person.username);
        String text = (String) email.getContent();
        assertThat(text).doesNotContain(person.password);
        Matcher link = VERIFY_LINK.matcher(text);
        assertThat(link.find()).as(text).isTrue();
        assertThat(link.group(1)).isEqualTo(server.issuer());
        assertThat(link.group(2)).startsWith("foev_");

        // Opening the link shows a page; it is the button that uses the link (mail scanners fetch links).
        Http browser = Http.browser(server.baseUrl());
        String path = link.group(0).substring(server.issuer().length());
        Http.Response page = browser.get(path);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(browser.get(path).status()).isEqualTo(200);

        Http.Response verified = submit(browser, page, "/verify-email", List.of());
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.body()).contains("verified");
        assertThat(login(person.username, person.password).get("/api/v1/users/me").json()
                .get("email_verified").asBoolean()).isTrue();

        Http.Response again = submit(browser, page, "/verify-email", List.of());
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.body()).contains("invalid, has expired or was already used");
        assertError(api().postJson("/api/v1/users/verify-email", Map.of("token", link.group(2))), 400, "invalid_grant");
        assertAudited(person.id, "user.created", "user.email_verified");
    }

    @Test
    void loginWhenEmailNotVerifiedThenRefusedUntilVerifiedThroughTheApi() throws Exception {
        Person person = register();
        String token = linkToken(VERIFY_LINK, awaitEmails(person.username, 1).getFirst());

        Http.Response refused = Http.browser(server.baseUrl()).postJson("/api/v1/auth/login",
                Map.of("username", person.username, "password", person.password));
        assertError(refused, 403, "forbidden");
        assertThat(refused.text("error_description")).contains("not verified");
        Fixtures.App app = passwordApp();
        assertError(passwordGrant(app, person), 400, "invalid_grant");

        Http.Response verified = api().postJson("/api/v1/users/verify-email", Map.of("token", token));
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.json().get("email_verified").asBoolean()).isTrue();
        assertThat(verified.text("username")).isEqualTo(person.username);
        assertThat(verified.header("Cache-Control")).isEqualTo("no-store");

        login(person.username, person.password);
        assertThat(passwordGrant(app, person).status()).isEqualTo(200);
    }

    @Test
    void addMemberWhenTheUserHasNotVerifiedTheirEmailThenConflictUntilTheyDo() throws Exception {
        Person person = register();
        String token = linkToken(VERIFY_LINK, awaitEmails(person.username, 1).getFirst());

        Http.Response refused = admin.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", person.username, "role", "member"));
        assertError(refused, 409, "conflict");
        assertThat(refused.text("error_description")).contains("verif");
        assertThat(admin.get("/api/v1/orgs/" + orgId + "/members").body()).doesNotContain(person.id);

        assertThat(api().postJson("/api/v1/users/verify-email", Map.of("token", token)).status()).isEqualTo(200);
        Http.Response added = admin.postJson("/api/v1/orgs/" + orgId + "/members",
                Map.of("username", person.username, "role", "member"));
        assertThat(added.status()).as(added.body()).isEqualTo(201);
    }

    @Test
    void introspectionWhenVerifiedEmailsAreRequiredThenTokensOfAVerifiedUserSayEmailVerified() throws Exception {
        Person person = verifiedPerson();
        Fixtures.App app = passwordApp();
        Http.Response issued = passwordGrant(app, person);
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        Http.Response response = api().postForm("/oauth/introspect", Http.form("token", issued.text("access_token")),
                "Authorization", app.basic());
        assertThat(response.json().get("active").asBoolean()).isTrue();
        assertThat(response.json().get("email_verified").asBoolean()).isTrue();
        assertThat(api().get("/oauth/token/info", "Authorization", "Bearer " + issued.text("access_token")).json()
                .get("email_verified").asBoolean()).isTrue();
    }

    @Test
    void resendVerificationSendsANewLinkThatReplacesTheOldOneButAtMostOncePerMinute() throws Exception {
        Person person = register();
        String first = linkToken(VERIFY_LINK, awaitEmails(person.username, 1).getFirst());

        Http.Response tooSoon = api().postJson("/api/v1/users/verify-email", Map.of("username", person.username));
        assertThat(tooSoon.status()).as(tooSoon.body()).isEqualTo(202);
        Thread.sleep(500);
        assertThat(emailsTo(person.username)).as("no second email within a minute").hasSize(1);

        ageLinks(person.id);
        Http.Response resent = api().postJson("/api/v1/users/verify-email",
                Map.of("username", person.username.toUpperCase()));
        assertThat(resent.status()).isEqualTo(202);
        assertThat(resent.body()).isEqualTo(tooSoon.body());
        String second = linkToken(VERIFY_LINK, awaitEmails(person.username, 2).get(1));
        assertThat(second).isNotEqualTo(first);

        assertError(api().postJson("/api/v1/users/verify-email", Map.of("token", first)), 400, "invalid_grant");
        assertThat(api().postJson("/api/v1/users/verify-email", Map.of("token", second)).status()).isEqualTo(200);
    }

    @Test
    void resendAndResetForUnknownOrVerifiedAccountsAnswerTheSameAndSendNothing() throws Exception {
        String unknown = Fixtures.unique("nobody") + "@example.test";
        Person person = verifiedPerson();
        ageLinks(person.id);

        Http.Response resendUnknown = api().postJson("/api/v1/users/verify-email", Map.of("username", unknown));
        Http.Response resendVerified = api().postJson("/api/v1/users/verify-email", Map.of("username", person.username));
        Http.Response resetUnknown = api().postJson("/api/v1/users/reset-password", Map.of("username", unknown));

        assertThat(resendUnknown.status()).isEqualTo(202);
        assertThat(resendVerified.status()).isEqualTo(202);
        assertThat(resendVerified.body()).isEqualTo(resendUnknown.body());
        assertThat(resetUnknown.status()).isEqualTo(202);
        Thread.sleep(500);
        assertThat(emailsTo(unknown)).isEmpty();
        assertThat(emailsTo(person.username)).as("only the sign-up email").hasSize(1);
    }

    @Test
    void passwordResetByEmailChangesThePasswordAndEndsSessionsAndTokens() throws Exception {
        Person person = verifiedPerson();
        Http session = login(person.username, person.password);
        Fixtures.App app = passwordApp();
        JsonNode tokens = passwordGrant(app, person).json();
        assertThat(active(app, tokens.get("access_token").asText())).isTrue();

        Http.Response requested = api().postJson("/api/v1/users/reset-password", Map.of("username", person.username));
        assertThat(requested.status()).as(requested.body()).isEqualTo(202);
        MimeMessage email = awaitEmails(person.username, 2).get(1);
        assertThat(email.getSubject()).isEqualTo("Reset your password");
        String token = linkToken(RESET_LINK, email);
        assertThat(token).startsWith("fopr_");

        // A refused new password does not spend the link.
        assertError(api().postJson("/api/v1/users/reset-password", Map.of("token", token, "new_password", "password123")),
                400, "validation_failed");
        String newPassword = "new-" + Fixtures.unique("password");
        Http.Response reset = api().postJson("/api/v1/users/reset-password",
                Map.of("token", token, "new_password", newPassword));
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        assertThat(reset.header("Cache-Control")).isEqualTo("no-store");

        assertError(Http.browser(server.baseUrl()).postJson("/api/v1/auth/login",
                Map.of("username", person.username, "password", person.password)), 401, "unauthenticated");
        login(person.username, newPassword);
        assertThat(session.get("/api/v1/users/me").status()).as("the old browser session ended").isEqualTo(401);
        assertThat(active(app, tokens.get("access_token").asText())).as("access token revoked").isFalse();
        Http.Response refresh = api().postForm("/oauth/token", Http.form("grant_type", "refresh_token",
                "refresh_token", tokens.get("refresh_token").asText()), "Authorization", app.basic());
        assertError(refresh, 400, "invalid_grant");

        assertError(api().postJson("/api/v1/users/reset-password", Map.of("token", token, "new_password", "another-" + newPassword)),
                400, "invalid_grant");
        assertAudited(person.id, "password.reset_requested", "password.reset");
    }

    @Test
    void passwordResetThroughTheHtmlPagesFromTheLoginPageLink() throws Exception {
        Person person = verifiedPerson();
        Http browser = Http.browser(server.baseUrl());
        Element forgot = Jsoup.parse(browser.get("/login").body()).selectFirst("a[href=/reset-password]");
        assertThat(forgot).as("a 'forgot password' link on the login page").isNotNull();

        Http.Response askPage = browser.get("/reset-password");
        assertThat(askPage.status()).isEqualTo(200);
        Http.Response asked = submit(browser, askPage, "/reset-password", List.of("username", person.username));
        assertThat(asked.status()).as(asked.body()).isEqualTo(200);
        assertThat(asked.body()).contains("Check your email");

        Matcher link = RESET_LINK.matcher((String) awaitEmails(person.username, 2).get(1).getContent());
        assertThat(link.find()).isTrue();
        Http.Response choosePage = browser.get(link.group(0).substring(server.issuer().length()));
        assertThat(choosePage.status()).isEqualTo(200);
        assertThat(Jsoup.parse(choosePage.body()).selectFirst("input[name=new_password][type=password]")).isNotNull();

        Http.Response weak = submit(browser, choosePage, "/reset-password", List.of("new_password", "short"));
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.body()).contains("10");
        String newPassword = "html-" + Fixtures.unique("password");
        Http.Response changed = submit(browser, choosePage, "/reset-password", List.of("new_password", newPassword));
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        assertThat(changed.body()).contains("Password changed");
        login(person.username, newPassword);

        Http.Response reused = submit(browser, choosePage, "/reset-password", List.of("new_password", newPassword + "2"));
        assertThat(reused.status()).isEqualTo(400);
    }

    @Test
    void htmlFormsWithoutTheCsrfCookieAreRefused() {
        Http.Response page = Http.browser(server.baseUrl()).get("/reset-password");
        Http.Response forged = Http.browser(server.baseUrl()).postForm("/reset-password",
                Http.form("csrf_token", "x".repeat(43), "username", "someone@example.test"));
        assertThat(page.status()).isEqualTo(200);
        assertThat(forged.status()).isEqualTo(403);
    }

    @Test
    void malformedVerifyAndResetRequestsAreRefusedClearly() {
        Http api = api();
        assertError(api.postJson("/api/v1/users/verify-email", Map.of()), 400, "validation_failed");
        assertError(api.postJson("/api/v1/users/verify-email", Map.of("token", "foev_x", "username", "a@b.test")),
                400, "validation_failed");
        assertError(api.postJson("/api/v1/users/verify-email", Map.of("token", 7)), 400, "validation_failed");
        assertError(api.postJson("/api/v1/users/verify-email", Map.of("token", "not-a-token")), 400, "invalid_grant");
        assertError(api.postJson("/api/v1/users/verify-email", Map.of("token", "foev_" + "A".repeat(43) + "000000")),
                400, "invalid_grant");
        assertError(api.postJson("/api/v1/users/verify-email", Map.of("username", "")), 400, "validation_failed");
        assertError(api.postJson("/api/v1/users/reset-password", Map.of("token", "fopr_x")), 400, "validation_failed");
        assertError(api.postJson("/api/v1/users/reset-password", Map.of("username", "a@b.test", "new_password", "x".repeat(12))),
                400, "validation_failed");
        assertError(api.postJson("/api/v1/users/reset-password", Map.of("username", List.of())), 400, "validation_failed");
        assertError(api.send("POST", "/api/v1/users/reset-password", "text/plain", "username=a@b.test"),
                415, "unsupported_media_type");
        assertThat(api.get("/verify-email").status()).isEqualTo(400);
    }

    @Test
    void registrationSucceedsAtOnceWhenTheMailServerIsDown() {
        TestServer noMail = TestServer.start(Map.of("GATEHOUSE_SMTP_HOST", "127.0.0.1",
                "GATEHOUSE_SMTP_PORT", "1", "GATEHOUSE_SMTP_STARTTLS", "false"));
        try {
            long started = System.nanoTime();
            Http.Response created = Http.anonymous(noMail.baseUrl()).postJson("/api/v1/users", Map.of(
                    "username", Fixtures.unique("nomail") + "@example.test", "password", "pw-" + Fixtures.unique("secret")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(System.nanoTime() - started).as("not waiting on SMTP").isLessThan(5_000_000_000L);
        } finally {
            noMail.close();
        }
    }

    // --- helpers ---

    private record Person(String id, String username, String password) {
    }

    private static Http api() {
        return Http.anonymous(server.baseUrl());
    }

    private static Person register() {
        String username = Fixtures.unique("mail") + "@example.test";
        String password = "pw-" + Fixtures.unique("secret");
        Http.Response created = api().postJson("/api/v1/users", Map.of("username", username, "password", password));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("email_verified").asBoolean()).isFalse();
        return new Person(created.text("id"), username, password);
    }

    private static Person verifiedPerson() throws Exception {
        Person person = register();
        String token = linkToken(VERIFY_LINK, awaitEmails(person.username, 1).getFirst());
        assertThat(api().postJson("/api/v1/users/verify-email", Map.of("token", token)).status()).isEqualTo(200);
        return person;
    }

    private static Http login(String username, String password) {
        Http session = Http.browser(server.baseUrl());
        Http.Response response = session.postJson("/api/v1/auth/login", Map.of("username", username, "password", password));
        assertThat(response.status()).as("login of %s: %s", username, response.body()).isEqualTo(200);
        return session.csrf(response.text("csrf_token"));
    }

    private static Fixtures.App passwordApp() {
        return Fixtures.app(admin, orgId, Map.of("grant_types", List.of("password", "refresh_token"),
                "redirect_uris", List.of()));
    }

    private static Http.Response passwordGrant(Fixtures.App app, Person person) {
        return api().postForm("/oauth/token", Http.form("grant_type", "password", "username", person.username,
                "password", person.password), "Authorization", app.basic());
    }

    private static boolean active(Fixtures.App app, String token) {
        Http.Response response = api().postForm("/oauth/introspect", Http.form("token", token), "Authorization", app.basic());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("active").asBoolean();
    }

    /** Posts the page's form with its hidden fields (CSRF token, link token) and {@code extra} fields. */
    private static Http.Response submit(Http browser, Http.Response page, String action, List<String> extra) {
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=" + action + "]");
        assertThat(form).as("form posting to %s in %s", action, page.body()).isNotNull();
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        fields.addAll(extra);
        return browser.postForm(action, Http.form(fields.toArray(String[]::new)));
    }

    /** Asserts an audit entry of each action mentions the user (entries since this class started). */
    private static void assertAudited(String userId, String... actions) {
        for (String action : actions) {
            Http.Response entries = admin.get("/api/v1/audit-logs?limit=200&action=" + action + "&since=" + STARTED);
            assertThat(entries.status()).as(entries.body()).isEqualTo(200);
            assertThat(entries.json().get("data")).as("%s entries", action)
                    .anyMatch(entry -> entry.get("details").toString().contains(userId)
                            && entry.get("outcome").asText().equals("success"));
        }
    }

    /** Pretends the user's links were sent two minutes ago, past the once-a-minute limit. */
    private static void ageLinks(String userId) throws Exception {
        try (var connection = DriverManager.getConnection(TestDatabase.url());
             var statement = connection.prepareStatement(
                     "UPDATE user_tokens SET created_at = created_at - interval '2 minutes' WHERE user_id = ?::uuid")) {
            statement.setString(1, userId);
            statement.executeUpdate();
        }
    }

    private static String linkToken(Pattern pattern, MimeMessage email) throws Exception {
        Matcher link = pattern.matcher((String) email.getContent());
        assertThat(link.find()).as("a link in %s", email.getContent()).isTrue();
        return link.group(2);
    }

    private static List<MimeMessage> emailsTo(String recipient) throws Exception {
        List<MimeMessage> found = new ArrayList<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            if (recipient.equalsIgnoreCase(message.getRecipients(Message.RecipientType.TO)[0].toString())) {
                found.add(message);
            }
        }
        return found;
    }

    private static List<MimeMessage> awaitEmails(String recipient, int count) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
            List<MimeMessage> found = emailsTo(recipient);
            if (found.size() >= count || System.nanoTime() > deadline) {
                assertThat(found).as("emails to %s", recipient).hasSizeGreaterThanOrEqualTo(count);
                return found;
            }
            Thread.sleep(50);
        }
    }
}
