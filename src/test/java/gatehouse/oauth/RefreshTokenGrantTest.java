package gatehouse.oauth;

import static gatehouse.oauth.GrantBench.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Ids;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The refresh_token grant's rules (RFC 6749 §6; rotation and reuse detection, OAuth 2.0 Security
 * BCP §4.14.2), one test each, on in-memory stores with a clock the test moves.
 */
class RefreshTokenGrantTest {
    private final GrantBench rules = new GrantBench();

    private static void assertInvalidGrant(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.INVALID_GRANT));
    }

    private TokenResponse authorize(Client app) {
        return rules.exchange(app, rules.code(app, null), null);
    }

    // --- the grace window and the absolute lifetime

    @Test
    void refreshWhenPreviousTokenRetriedWithinGraceThenSameSuccessorOnceThenReuseRevokesFamily() {
        Client app = rules.app().graceSeconds(30).build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());

        rules.clock.advance(Duration.ofSeconds(29));
        TokenResponse retry = rules.refresh(app, first.refreshToken());
        assertThat(retry.refreshToken()).isEqualTo(second.refreshToken());
        assertThat(retry.accessToken()).isNotEqualTo(second.accessToken());

        assertInvalidGrant(() -> rules.refresh(app, first.refreshToken()));
        assertInvalidGrant(() -> rules.refresh(app, second.refreshToken()));
        assertInvalidGrant(() -> rules.refresh(app, retry.refreshToken()));
        assertThat(rules.active(retry.accessToken())).isFalse();
    }

    @Test
    void refreshWhenPreviousTokenRetriedAfterGraceThenReuseRevokesFamily() {
        Client app = rules.app().graceSeconds(30).build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());

        rules.clock.advance(Duration.ofSeconds(30));
        assertInvalidGrant(() -> rules.refresh(app, first.refreshToken()));
        assertInvalidGrant(() -> rules.refresh(app, second.refreshToken()));
        assertThat(rules.active(second.accessToken())).isFalse();
    }

    @Test
    void refreshWhenTokenTwoGenerationsOldThenNoGraceEvenWithinTheWindow() {
        Client app = rules.app().graceSeconds(300).build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        rules.refresh(app, second.refreshToken());
        assertInvalidGrant(() -> rules.refresh(app, first.refreshToken()));
    }

    @Test
    void refreshWhenAbsoluteLifetimeEndsThenInvalidGrantAlsoForRotatedSuccessors() {
        Client app = rules.app().refreshTokenTtl(3600).build();
        TokenResponse first = authorize(app);
        rules.clock.advance(Duration.ofMinutes(30));
        TokenResponse second = rules.refresh(app, first.refreshToken());
        rules.clock.advance(Duration.ofMinutes(30));
        // The successor inherits the family's end; rotation does not extend it.
        assertInvalidGrant(() -> rules.refresh(app, second.refreshToken()));
    }

    @Test
    void refreshWhenNoAbsoluteLifetimeThenTokenStillWorksAYearLater() {
        Client app = rules.app().build();
        TokenResponse first = authorize(app);
        rules.clock.advance(Duration.ofDays(365));
        assertThat(rules.refresh(app, first.refreshToken()).accessToken()).startsWith("foot_");
    }

    // --- rotation and reuse detection

    @Test
    void refreshWhenAppRotatesThenANewRefreshTokenAndANewAccessToken() {
        Client app = rules.app().build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        assertThat(second.refreshToken()).startsWith("foor_").isNotEqualTo(first.refreshToken());
        assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
        assertThat(rules.refresh(app, second.refreshToken()).accessToken()).startsWith("foot_");
    }

    @Test
    void refreshWhenNewAccessTokenIssuedThenThePreviousOneOfTheInstallationIsRevoked() {
        Client app = rules.app().build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        assertThat(rules.active(first.accessToken())).isFalse();
        assertThat(rules.active(second.accessToken())).isTrue();
    }

    @Test
    void refreshWhenRetiredTokenComesBackThenFamilyRevokedAndTheReuseAudited() {
        Client app = rules.app().build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        var refusal = refused(() -> rules.refresh(app, first.refreshToken()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).startsWith("refresh token reused");
        assertThat(rules.active(second.accessToken())).isFalse();
        assertThat(refused(() -> rules.refresh(app, second.refreshToken()), OAuthError.INVALID_GRANT).detail())
                .isEqualTo("refresh token revoked");
        assertThat(rules.world.auditEvents()).singleElement().asString().startsWith("token.reuse_detected");
    }

    @Test
    void refreshWhenAppDoesNotRotateThenItKeepsItsRefreshToken() {
        Client app = rules.app().withoutRotation().build();
        TokenResponse first = authorize(app);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        assertThat(second.refreshToken()).isEqualTo(first.refreshToken());
        assertThat(rules.refresh(app, first.refreshToken()).refreshToken()).isEqualTo(first.refreshToken());
    }

    @Test
    void refreshWhenAnotherAppPresentsTheTokenThenInvalidGrantAndNothingRevoked() {
        Client app = rules.app().build();
        Client other = rules.app().build();
        TokenResponse first = authorize(app);
        var refusal = refused(() -> rules.refresh(other, first.refreshToken()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("unknown refresh token, or another app's");
        assertThat(rules.active(first.accessToken())).isTrue();
        assertThat(rules.refresh(app, first.refreshToken()).accessToken()).startsWith("foot_");
    }

    // --- scope narrowing (RFC 6749 §6: never wider than the original grant)

    @Test
    void refreshWhenNarrowerScopeAskedThenTokenCarriesOnlyIt() {
        Client app = rules.app().scopes("read", "write").build();
        TokenResponse first = rules.exchange(app, rules.code(app, "self", rules.orgId, "read write", null), null);
        assertThat(first.scope()).isEqualTo("read write");
        assertThat(rules.refresh(app, first.refreshToken(), "read").scope()).isEqualTo("read");
    }

    @Test
    void refreshWhenWiderScopeAskedThenInvalidScope() {
        Client app = rules.app().scopes("read", "write").build();
        TokenResponse first = rules.exchange(app, rules.code(app, "self", rules.orgId, "read", null), null);
        refused(() -> rules.refresh(app, first.refreshToken(), "read write"), OAuthError.INVALID_SCOPE);
    }

    @Test
    void refreshWhenScopeWithdrawnFromTheAppThenNoLongerCarried() {
        Client app = rules.app().scopes("read", "write").build();
        TokenResponse first = rules.exchange(app, rules.code(app, "self", rules.orgId, "read write", null), null);
        Client narrowed = rules.app().sameAs(app).scopes("read").build();
        assertThat(rules.refresh(narrowed, first.refreshToken()).scope()).isEqualTo("read");
    }

    // --- the user and the installation behind the family

    @Test
    void refreshWhenUserDisabledThenInvalidGrant() {
        Client app = rules.app().build();
        TokenResponse first = authorize(app);
        rules.world.disable(rules.user.id());
        var refusal = refused(() -> rules.refresh(app, first.refreshToken()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("the user is disabled");
    }

    @Test
    void refreshWhenAppUninstalledThenInvalidGrant() {
        Client app = rules.app().actorModes("app").scopes("read").build();
        UUID otherOrg = installedElsewhere(app, List.of("read"));
        TokenResponse first = rules.exchange(app, rules.code(app, "app", otherOrg, "read", null), null);
        rules.world.uninstall(app.clientId(), otherOrg);
        var refusal = refused(() -> rules.refresh(app, first.refreshToken()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("the app is no longer installed in this organization");
    }

    @Test
    void refreshWhenInstallationNarrowedThenTokenCarriesOnlyWhatItApproves() {
        Client app = rules.app().actorModes("app").scopes("read", "write").build();
        UUID otherOrg = installedElsewhere(app, List.of("read", "write"));
        TokenResponse first = rules.exchange(app, rules.code(app, "app", otherOrg, "read write", null), null);
        rules.world.install(app.clientId(), otherOrg, List.of("read"));
        assertThat(rules.refresh(app, first.refreshToken()).scope()).isEqualTo("read");
    }

    @Test
    void refreshWhenFamilyCameFromThePasswordGrantThenOnlyItsOwnAccessTokensAreReplaced() {
        Client app = rules.app().grantTypes(Client.PASSWORD, Client.REFRESH_TOKEN)
                .approvedGrantTypes(Client.PASSWORD).build();
        TokenResponse phone = rules.password(app, "username", rules.user.username(),
                "password", "correct horse battery");
        TokenResponse laptop = rules.password(app, "username", rules.user.username(),
                "password", "correct horse battery");
        TokenResponse refreshed = rules.refresh(app, phone.refreshToken());
        assertThat(rules.active(phone.accessToken())).isFalse();
        assertThat(rules.active(refreshed.accessToken())).isTrue();
        assertThat(rules.active(laptop.accessToken())).isTrue();
    }

    private UUID installedElsewhere(Client app, List<String> approved) {
        UUID otherOrg = Ids.newId();
        rules.world.addMember(otherOrg, rules.user.id(), "admin");
        rules.world.install(app.clientId(), otherOrg, approved);
        return otherOrg;
    }
}
