package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A person in a browser going through Gatehouse's HTML pages: the authorization request, the
 * login form, the consent form. Forms are read from the served HTML and submitted as a browser
 * would (hidden fields, ticked boxes, the selected option, the pressed button).
 */
public final class OAuthBrowser {
    private final Http browser = Http.browser();
    private final Fixtures.User user;

    public OAuthBrowser(Fixtures.User user) {
        this.user = user;
    }

    public Http http() {
        return browser;
    }

    /** GET /oauth/authorize?{query} */
    public Http.Response open(String query) {
        return browser.get("/oauth/authorize?" + query);
    }

    /** From a redirect to /login: fills in the login form and follows the way back. */
    public Http.Response signIn(Http.Response redirectToLogin) {
        assertThat(redirectToLogin.status()).isEqualTo(302);
        assertThat(redirectToLogin.location()).startsWith("/login");
        Http.Response page = browser.get(redirectToLogin.location());
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        Element form = Jsoup.parse(page.body()).selectFirst("form[action=/login]");
        assertThat(form).as("login form").isNotNull();
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        fields.addAll(List.of("username", user.username(), "password", user.password()));
        Http.Response back = browser.postForm("/login", Http.form(fields.toArray(String[]::new)));
        assertThat(back.status()).as(back.body()).isEqualTo(302);
        return browser.get(back.location());
    }

    /** Submits the consent page as shown, pressing {@code button} ("yes" or "no"). */
    public Http.Response decide(Http.Response consentPage, String button) {
        return submitConsent(consentPage, button, null, null);
    }

    /**
     * Submits the consent page, keeping only {@code keepScopes} ticked (null: as shown) and choosing
     * {@code organizationId} (null: as preselected).
     */
    public Http.Response submitConsent(Http.Response consentPage, String button, List<String> keepScopes,
                                       String organizationId) {
        assertThat(consentPage.status()).as(consentPage.body()).isEqualTo(200);
        Document page = Jsoup.parse(consentPage.body());
        // The authorization endpoint's consent step, or the device page's (RFC 8628).
        Element form = page.selectFirst("form[action=/oauth/authorize], form[action=/device/decision]");
        assertThat(form).as("consent form").isNotNull();
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        for (Element box : form.select("input[type=checkbox][name=scope]")) {
            boolean ticked = keepScopes == null ? box.hasAttr("checked") : keepScopes.contains(box.attr("value"));
            if (ticked) {
                fields.add("scope");
                fields.add(box.attr("value"));
            }
        }
        Element select = form.selectFirst("select[name=organization_id]");
        if (select != null) {
            Element chosen = select.selectFirst("option[selected]");
            fields.add("organization_id");
            fields.add(organizationId != null ? organizationId
                    : chosen != null ? chosen.attr("value") : select.selectFirst("option").attr("value"));
        }
        fields.add("confirm");
        fields.add(button);
        return browser.postForm(form.attr("action"), Http.form(fields.toArray(String[]::new)));
    }

    /** A code just issued, with the PKCE verifier that redeems it. */
    public record Code(String code, String verifier) {
    }

    /** The whole way for {@code app} (default redirect URI, PKCE S256), returning the code. */
    public Code authorizationCode(Fixtures.App app, String scope) {
        var pkce = Fixtures.pkce();
        String location = authorize(Http.form("response_type", "code", "client_id", app.clientId(),
                "redirect_uri", Fixtures.REDIRECT_URI, "scope", scope, "state", "st",
                "code_challenge", pkce.challenge(), "code_challenge_method", "S256"));
        String code = Http.queryOf(location).get("code");
        assertThat(code).as(location).isNotNull();
        return new Code(code, pkce.verifier());
    }

    /** The whole way: open, sign in if asked, approve; returns where Gatehouse sent the browser. */
    public String authorize(String query) {
        Http.Response response = open(query);
        if (response.status() == 302 && response.location().startsWith("/login")) {
            response = signIn(response);
        }
        if (response.status() == 200) {
            response = decide(response, "yes");
        }
        assertThat(response.status()).as(response.body()).isEqualTo(302);
        return response.location();
    }
}
