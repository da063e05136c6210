package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.testing.Fixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The authorization_code grant's time rules on its PostgreSQL stores, with a clock the test moves
 * (RFC 6749 §4.1.2): the database's statements keep the rules the unit tests prove in memory.
 */
class AuthorizationCodeGrantStoreIT {
    private final GrantRules rules = new GrantRules();

    @Test
    void exchangeWhenCodeIsFourMinutesOldThenTokensIssued() {
        Client app = rules.app(Map.of());
        var pkce = Fixtures.pkce();
        String code = rules.code(app, pkce.challenge());
        rules.clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        TokenResponse response = rules.exchange(app, code, pkce.verifier());
        assertThat(response.accessToken()).startsWith("foot_");
        assertThat(response.refreshToken()).startsWith("foor_");
    }

    @Test
    void exchangeWhenCodeIsFiveMinutesOldThenInvalidGrant() {
        Client app = rules.app(Map.of());
        var pkce = Fixtures.pkce();
        String code = rules.code(app, pkce.challenge());
        rules.clock.advance(Duration.ofMinutes(5));
        assertThatThrownBy(() -> rules.exchange(app, code, pkce.verifier()))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.error()).isEqualTo(OAuthError.INVALID_GRANT);
                    assertThat(e.detail()).isEqualTo("code expired");
                });
    }

    @Test
    void exchangeWhenExpiredCodeIsTriedThenItCannotBeUsedLaterEither() {
        Client app = rules.app(Map.of());
        String code = rules.code(app, null);
        rules.clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(() -> rules.exchange(app, code, null)).isInstanceOf(OAuthException.class);
        assertThatThrownBy(() -> rules.exchange(app, code, null))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.detail()).contains("replayed"));
    }

    @Test
    void accessTokenWhenItsTtlPassesThenInactive() {
        Client app = rules.app(Map.of("access_token_ttl", 120));
        TokenResponse response = rules.exchange(app, rules.code(app, null), null);
        assertThat(response.expiresIn()).isEqualTo(120);
        rules.clock.advance(Duration.ofSeconds(119));
        assertThat(rules.active(response.accessToken())).isTrue();
        rules.clock.advance(Duration.ofSeconds(1));
        assertThat(rules.active(response.accessToken())).isFalse();
    }
}
