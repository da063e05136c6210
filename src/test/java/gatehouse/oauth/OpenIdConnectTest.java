package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.errors.OAuthException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The OpenID Connect parameter rules, one behaviour each. */
class OpenIdConnectTest {
    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void maxAgeIsWholeSecondsOrAbsent() {
        assertThat(OpenIdConnect.maxAge(null)).isNull();
        assertThat(OpenIdConnect.maxAge("0")).isZero();
        assertThat(OpenIdConnect.maxAge("3600")).isEqualTo(3600L);
        for (String bad : new String[] {"-1", "1.5", "", " 1", "99999999999", "1e3"}) {
            assertThatThrownBy(() -> OpenIdConnect.maxAge(bad)).as(bad).isInstanceOf(OAuthException.class);
        }
    }

    @Test
    void signInOlderThanMaxAgeMustBeRepeated() {
        assertThat(OpenIdConnect.signedInTooLongAgo(null, NOW.minusSeconds(86_400), NOW)).isFalse();
        assertThat(OpenIdConnect.signedInTooLongAgo(60L, NOW.minusSeconds(60), NOW)).isFalse();
        assertThat(OpenIdConnect.signedInTooLongAgo(60L, NOW.minusSeconds(61), NOW)).isTrue();
        assertThat(OpenIdConnect.signedInTooLongAgo(0L, NOW.minusMillis(1), NOW)).isTrue();
        assertThat(OpenIdConnect.signedInTooLongAgo(60L, null, NOW)).isTrue();
    }

    @Test
    void nonceIsKeptAsSentUpToItsLimit() {
        assertThat(OpenIdConnect.nonce(null)).isNull();
        assertThat(OpenIdConnect.nonce("n".repeat(512))).hasSize(512);
        assertThatThrownBy(() -> OpenIdConnect.nonce("n".repeat(513))).isInstanceOf(OAuthException.class);
    }

    @Test
    void openIdIsForActorSelfOnly() {
        OpenIdConnect.requireUserFor(Set.of("openid", "read"), "self");
        OpenIdConnect.requireUserFor(Set.of("read"), "app");
        assertThatThrownBy(() -> OpenIdConnect.requireUserFor(Set.of("openid"), "app")).isInstanceOf(OAuthException.class);
    }

    @Test
    void defaultScopeLeavesTheSignInScopesOutButARefreshKeepsThem() {
        assertThat(ScopeRequest.resolve(null, List.of("openid", "email", "read"))).containsExactly("read");
        assertThat(ScopeRequest.resolve("openid", List.of("openid", "read"))).containsExactly("openid");
        assertThat(ScopeRequest.narrow(null, List.of("openid", "read"))).containsExactly("openid", "read");
    }
}
