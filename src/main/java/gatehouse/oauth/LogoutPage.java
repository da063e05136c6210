package gatehouse.oauth;

import java.util.Map;

/** The model of logout.jte: "sign out of Gatehouse?", asked when the request cannot prove who wants it. */
public record LogoutPage(String clientName, String username, Map<String, String> hiddenFields, String csrfToken) {
}
