package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.Http;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/** Starting a connect flow the way a browser does: the confirmation page, then its button. */
final class ConnectPage {
    private ConnectPage() {
    }

    /**
     * GET /oauth/install/{platform}?{query} and, when it shows the page, POST its form. Returns the
     * POST's answer (302 to the provider), or the GET's when it refused.
     */
    static Http.Response start(Http session, String platform, String query) {
        Http.Response page = session.get("/oauth/install/" + platform + "?" + query, "Accept", "text/html");
        if (page.status() != 200) {
            return page;
        }
        Document document = Jsoup.parse(page.body());
        Element form = document.selectFirst("form[method=post]");
        assertThat(form).as("the confirmation page has a form: %s", page.body()).isNotNull();
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[type=hidden], input[readonly]")) {
            fields.put(input.attr("name"), input.attr("value"));
        }
        assertThat(fields).containsKey("csrf_token");
        return session.postForm(form.attr("action"), Http.form(fields));
    }
}
