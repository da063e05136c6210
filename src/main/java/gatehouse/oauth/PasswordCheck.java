package gatehouse.oauth;

import gatehouse.users.User;
import java.util.Optional;

/** Checks a user's own credentials, with the login rules (throttling, disabled accounts, verified email). */
@FunctionalInterface
public interface PasswordCheck {

    /**
     * The user, or empty for wrong credentials or a disabled account.
     *
     * @throws gatehouse.errors.OAuthException rate_limit_exceeded when the login is throttled,
     *     forbidden when the email address must be verified first
     */
    Optional<User> authenticate(String username, String password);
}
