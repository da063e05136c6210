package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The refresh_token grant's time rules on its PostgreSQL stores: the grace window and the absolute
 * lifetime, as the database's statements keep them.
 */
class RefreshTokenGrantStoreIT {
    private final GrantRules rules = new GrantRules();

    private static void assertInvalidGrant(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OAuthException.class,
                e -> assertThat(e.error()).isEqualTo(OAuthError.INVALID_GRANT));
    }

    @Test
    void refreshWhenPreviousTokenRetriedWithinGraceThenSameSuccessorOnceThenReuseRevokesFamily() {
        Client app = rules.app(GrantRules.rotating(30));
        TokenResponse first = rules.exchange(app, rules.code(app, null), null);
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
        Client app = rules.app(GrantRules.rotating(30));
        TokenResponse first = rules.exchange(app, rules.code(app, null), null);
        TokenResponse second = rules.refresh(app, first.refreshToken());

        rules.clock.advance(Duration.ofSeconds(30));
        assertInvalidGrant(() -> rules.refresh(app, first.refreshToken()));
        assertInvalidGrant(() -> rules.refresh(app, second.refreshToken()));
        assertThat(rules.active(second.accessToken())).isFalse();
    }

    @Test
    void refreshWhenTokenTwoGenerationsOldThenNoGraceEvenWithinTheWindow() {
        Client app = rules.app(GrantRules.rotating(300));
        TokenResponse first = rules.exchange(app, rules.code(app, null), null);
        TokenResponse second = rules.refresh(app, first.refreshToken());
        rules.refresh(app, second.refreshToken());
        assertInvalidGrant(() -> rules.refresh(app, first.refreshToken()));
    }

    @Test
    void refreshWhenAbsoluteLifetimeEndsThenInvalidGrantAlsoForRotatedSuccessors() {
        Client app = rules.app(Map.of("refresh_token_ttl", 3600));
        TokenResponse first = rules.exchange(app, rules.code(app, null), null);
        rules.clock.advance(Duration.ofMinutes(30));
        TokenResponse second = rules.refresh(app, first.refreshToken());
        rules.clock.advance(Duration.ofMinutes(30));
        // The successor inherits the family's end; rotation does not extend it.
        assertInvalidGrant(() -> rules.refresh(app, second.refreshToken()));
    }

    @Test
    void refreshWhenNoAbsoluteLifetimeThenTokenStillWorksAYearLater() {
        Client app = rules.app(Map.of());
        TokenResponse first = rules.exchange(app, rules.code(app, null), null);
        rules.clock.advance(Duration.ofDays(365));
        assertThat(rules.refresh(app, first.refreshToken()).accessToken()).startsWith("foot_");
    }
}
