package gatehouse.users;

/** The model of login.jte. {@code returnTo} is a local path to go back to after signing in. */
public record LoginPage(String csrfToken, String returnTo, String username, String error) {
}
