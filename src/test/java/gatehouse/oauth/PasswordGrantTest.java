package gatehouse.oauth;

import static gatehouse.oauth.GrantBench.refused;
import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.store.Ids;
import gatehouse.users.User;
import org.junit.jupiter.api.Test;

/**
 * The password grant's rules (RFC 6749 §4.3), for first-party apps a platform admin approved it
 * for; one test each, on in-memory stores.
 */
class PasswordGrantTest {
    private static final String PASSWORD = "correct horse battery";
    private final GrantBench rules = new GrantBench();

    private Client firstPartyApp() {
        return rules.app().grantTypes(Client.PASSWORD, Client.REFRESH_TOKEN).approvedGrantTypes(Client.PASSWORD)
                .scopes("read", "write").build();
    }

    private TokenResponse signIn(Client app, String username, String password, String... more) {
        String[] params = new String[4 + more.length];
        params[0] = "username";
        params[1] = username;
        params[2] = "password";
        params[3] = password;
        System.arraycopy(more, 0, params, 4, more.length);
        return rules.password(app, params);
    }

    @Test
    void tokenWhenCredentialsRightThenActsAsTheUserWithARefreshToken() {
        Client app = firstPartyApp();
        TokenResponse response = signIn(app, rules.user.username(), PASSWORD);
        assertThat(response.actor()).isEqualTo("self");
        assertThat(response.organizationId()).isNull();
        assertThat(response.scope()).isEqualTo("read write");
        assertThat(response.refreshToken()).startsWith("foor_");
        var token = rules.world.activeAccessToken(response.accessToken()).orElseThrow();
        assertThat(token.userId()).isEqualTo(rules.user.id());
        assertThat(token.singlePerInstallation()).isFalse();
    }

    @Test
    void tokenWhenSignedInThenTheSignInIsRecordedAsTheUsersConsent() {
        Client app = firstPartyApp();
        signIn(app, rules.user.username(), PASSWORD, "scope", "read");
        assertThat(rules.world.consent(rules.user.id(), app.clientId(), null, "self")).containsExactly("read");
    }

    @Test
    void tokenWhenPasswordWrongThenInvalidGrant() {
        Client app = firstPartyApp();
        var refusal = refused(() -> signIn(app, rules.user.username(), "wrong"), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("wrong username or password");
    }

    @Test
    void tokenWhenLoginThrottledThenRateLimitAnsweredEvenForTheRightPassword() {
        Client app = firstPartyApp();
        for (int i = 0; i < InMemoryGrantStores.LOGIN_FAILURES_BEFORE_LOCKOUT; i++) {
            refused(() -> signIn(app, rules.user.username(), "wrong"), OAuthError.INVALID_GRANT);
        }
        var refusal = refused(() -> signIn(app, rules.user.username(), PASSWORD), OAuthError.RATE_LIMIT_EXCEEDED);
        assertThat(refusal.retryAfterSeconds()).isPositive();
    }

    @Test
    void tokenWhenUserDisabledThenInvalidGrant() {
        Client app = firstPartyApp();
        rules.world.disable(rules.user.id());
        refused(() -> signIn(app, rules.user.username(), PASSWORD), OAuthError.INVALID_GRANT);
    }

    @Test
    void tokenWhenEmailUnverifiedAndVerificationRequiredThenInvalidGrant() {
        Client app = firstPartyApp();
        User unverified = rules.world.addUser("bob@example.test", PASSWORD, false);
        rules.world.requireVerifiedEmail();
        var refusal = refused(() -> signIn(app, unverified.username(), PASSWORD), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("verify your email address before signing in");
    }

    @Test
    void tokenWhenGrantNotApprovedForTheAppThenUnauthorizedClient() {
        Client app = rules.app().grantTypes(Client.PASSWORD).build();
        refused(() -> signIn(app, rules.user.username(), PASSWORD), OAuthError.UNAUTHORIZED_CLIENT);
    }

    @Test
    void tokenWhenAppIsPublicThenUnauthorizedClient() {
        Client app = rules.app().grantTypes(Client.PASSWORD).approvedGrantTypes(Client.PASSWORD).publicClient()
                .build();
        refused(() -> signIn(app, rules.user.username(), PASSWORD), OAuthError.UNAUTHORIZED_CLIENT);
    }

    @Test
    void tokenWhenCredentialsMissingThenInvalidRequest() {
        Client app = firstPartyApp();
        refused(() -> rules.password(app, "username", rules.user.username()), OAuthError.INVALID_REQUEST);
    }

    @Test
    void tokenWhenOrganizationOfTheUserNamedThenTokenActsInIt() {
        Client app = firstPartyApp();
        TokenResponse response = signIn(app, rules.user.username(), PASSWORD, "organization_id",
                rules.orgId.toString());
        assertThat(response.organizationId()).isEqualTo(rules.orgId);
    }

    @Test
    void tokenWhenOrganizationNotTheUsersThenInvalidGrant() {
        Client app = firstPartyApp();
        refused(() -> signIn(app, rules.user.username(), PASSWORD, "organization_id", Ids.newId().toString()),
                OAuthError.INVALID_GRANT);
    }

    @Test
    void tokenWhenServiceScopeAskedThenInvalidScope() {
        Client app = rules.app().grantTypes(Client.PASSWORD).approvedGrantTypes(Client.PASSWORD)
                .scopes("read", "admin:*").build();
        refused(() -> signIn(app, rules.user.username(), PASSWORD, "scope", "admin:*"), OAuthError.INVALID_SCOPE);
    }

    @Test
    void tokenWhenAppDoesNotUseRefreshTokensThenNoneIssued() {
        Client app = rules.app().grantTypes(Client.PASSWORD).approvedGrantTypes(Client.PASSWORD).build();
        assertThat(signIn(app, rules.user.username(), PASSWORD).refreshToken()).isNull();
    }
}
