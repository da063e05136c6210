package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.mail.LogMailer;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.OAuthBrowser;
import gatehouse.testing.TestServer;
import gatehouse.secrets.TokenCodec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An authorization code issued but not redeemed yet dies with what it was issued under: each test
 * gets a code through the real authorize flow, does one revoking act, and then the exchange is
 * refused. Redemption also re-checks membership and consent by itself.
 */
class UnredeemedCodesIT {
    private final Http api = Http.anonymous();
    private final Fixtures.Tenant tenant = Fixtures.tenant("codes");
    private final Fixtures.App app = Fixtures.app(Fixtures.admin(), tenant.orgId(), Map.of("scope", tenant.scope()));

    private OAuthBrowser.Code codeFor(Fixtures.User user) {
        return new OAuthBrowser(user).authorizationCode(app, tenant.scope());
    }

    private Http.Response exchange(Fixtures.App client, OAuthBrowser.Code code) {
        return api.postForm("/oauth/token", Http.form("grant_type", "authorization_code", "code", code.code(),
                "redirect_uri", Fixtures.REDIRECT_URI, "code_verifier", code.verifier()), "Authorization", client.basic());
    }

    private void assertRefused(OAuthBrowser.Code code) {
        Http.Response response = exchange(app, code);
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.text("error")).isEqualTo("invalid_grant");
    }

    /** A user who is a plain member of the tenant's organization. */
    private Fixtures.User member() {
        Fixtures.User member = Fixtures.newUser();
        Http.Response added = tenant.user().login().postJson("/api/v1/orgs/" + tenant.orgId() + "/members",
                Map.of("username", member.username(), "role", "member"));
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        return member;
    }

    @Test
    void exchangeAfterTheConsentWasRevokedThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());
        Http session = tenant.user().login();
        JsonNode consents = session.get("/api/v1/oauth/consents").json().get("data");
        assertThat(consents).hasSize(1);

        Http.Response revoked = session.delete("/api/v1/oauth/consents/" + consents.get(0).get("id").asText());
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);

        assertRefused(code);
    }

    @Test
    void exchangeAfterTheUserLeftTheOrganizationThenInvalidGrant() {
        Fixtures.User member = member();
        OAuthBrowser.Code code = codeFor(member);

        Http.Response removed = tenant.user().login().delete("/api/v1/orgs/" + tenant.orgId() + "/members/" + member.id());
        assertThat(removed.status()).as(removed.body()).isEqualTo(204);

        assertRefused(code);
    }

    @Test
    void exchangeAfterAPasswordResetThenInvalidGrant() throws Exception {
        OAuthBrowser.Code code = codeFor(tenant.user());

        String token = resetLinkToken(tenant.user().username());
        Http.Response reset = api.postJson("/api/v1/users/reset-password",
                Map.of("token", token, "new_password", "pw-" + Fixtures.unique("renewed")));
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);

        assertRefused(code);
    }

    @Test
    void exchangeAfterTheAccountWasDisabledAndEnabledAgainThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());

        Http admin = Fixtures.admin();
        assertThat(admin.putJson("/api/v1/users/" + tenant.user().id(), Map.of("disabled", true)).status()).isEqualTo(200);
        assertThat(admin.putJson("/api/v1/users/" + tenant.user().id(), Map.of("disabled", false)).status()).isEqualTo(200);

        assertRefused(code);
    }

    @Test
    void exchangeAfterTheAccountWasDeletedThenInvalidGrant() {
        Fixtures.User member = member();
        OAuthBrowser.Code code = codeFor(member);

        Http.Response deleted = Fixtures.admin().delete("/api/v1/users/" + member.id());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);

        assertRefused(code);
    }

    @Test
    void exchangeAfterRevokeAllThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());

        Http.Response revoked = tenant.user().login().postJson("/oauth/revoke-all", Map.of());
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        assertRefused(code);
    }

    @Test
    void exchangeAfterAnAdminBulkRevokedTheUsersTokensThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());

        Http.Response revoked = Fixtures.admin().postJson("/api/v1/oauth/tokens/bulk-revoke",
                Map.of("user_id", tenant.user().id()));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        assertRefused(code);
    }

    @Test
    void exchangeAfterAnAdminBulkRevokedTheAppsTokensThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());

        Http.Response revoked = Fixtures.admin().postJson("/api/v1/oauth/tokens/bulk-revoke",
                Map.of("client_id", app.clientId()));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

        assertRefused(code);
    }

    @Test
    void exchangeAfterTheAppWasDeletedThenRefusedAndTheCodeIsGone() {
        OAuthBrowser.Code code = codeFor(tenant.user());

        Http.Response deleted = Fixtures.admin().delete("/api/v1/oauth/clients/" + app.clientId());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);

        // The app itself is gone, so it cannot even authenticate; its codes went with it.
        Http.Response response = exchange(app, code);
        assertThat(response.status()).as(response.body()).isEqualTo(401);
        assertThat(response.text("error")).isEqualTo("invalid_client");
        assertThat(codeRows(code)).isZero();
    }

    @Test
    void exchangeWhenTheMembershipEndedBehindTheServicesBackThenInvalidGrant() {
        Fixtures.User member = member();
        OAuthBrowser.Code code = codeFor(member);
        // Not through the API (which also spends the code): proves that redemption itself checks.
        sql("DELETE FROM memberships WHERE organization_id = ? AND user_id = ?", tenant.orgId(), member.id());

        assertRefused(code);
    }

    @Test
    void exchangeWhenTheConsentNoLongerCoversTheScopesThenInvalidGrant() {
        OAuthBrowser.Code code = codeFor(tenant.user());
        // Not through the API (which also spends the code): proves that redemption itself checks.
        sql("UPDATE consents SET scopes = '{}' WHERE user_id = ? AND client_id = ?", tenant.user().id(), app.clientId());

        assertRefused(code);
    }

    @Test
    void exchangeWhenNothingWasRevokedThenTokensStillIssued() {
        OAuthBrowser.Code code = codeFor(member());
        Http.Response response = exchange(app, code);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    // --- helpers ---

    private static void sql(String statement, String first, String second) {
        TestServer.get().app().database().withHandle(handle -> handle.createUpdate(statement)
                .bind(0, uuidOrText(first)).bind(1, uuidOrText(second)).execute());
    }

    private static Object uuidOrText(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    private static int codeRows(OAuthBrowser.Code code) {
        return TestServer.get().app().database().withHandle(handle -> handle
                .createQuery("SELECT count(*) FROM authorization_codes WHERE code_hash = :hash")
                .bind("hash", TokenCodec.hash(code.code())).mapTo(Integer.class).one());
    }

    /** Asks for a reset link and reads it from the log (the shared server has no SMTP). */
    private String resetLinkToken(String username) throws InterruptedException {
        Logger logger = (Logger) LoggerFactory.getLogger(LogMailer.class);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        Pattern link = Pattern.compile("/reset-password\\?token=(\\S+)");
        try {
            Http.Response asked = api.postJson("/api/v1/users/reset-password", Map.of("username", username));
            assertThat(asked.status()).as(asked.body()).isEqualTo(202);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                List<String> messages = List.copyOf(captured.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(message -> message.contains(username) && message.contains("/reset-password?token=")).toList();
                if (!messages.isEmpty()) {
                    Matcher matcher = link.matcher(messages.getFirst());
                    assertThat(matcher.find()).isTrue();
                    return matcher.group(1);
                }
                Thread.sleep(20);
            }
        } finally {
            logger.detachAppender(captured);
        }
        throw new AssertionError("no reset email for " + username);
    }
}
