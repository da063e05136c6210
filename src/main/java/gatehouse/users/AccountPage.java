package gatehouse.users;

/**
 * The model of verify-email.jte and reset-password.jte. {@code token} is the link's token (null on
 * the page that asks for a reset link); {@code error} a message to show, or null.
 */
public record AccountPage(String csrfToken, String token, String error) {
}
