package gatehouse.oauth;

/** The model of device.jte: where the user types the code their device shows, and why the last one failed. */
public record DevicePage(String username, String csrfToken, String userCode, String error) {
}
