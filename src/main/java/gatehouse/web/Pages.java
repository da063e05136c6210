package gatehouse.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;

/**
 * Renders the server-side pages (login, consent, errors) from precompiled JTE templates, with the
 * headers every HTML page carries (docs/http.md, "Conventions"): no framing, no referrer, a strict CSP.
 */
public final class Pages {
    /** Request attribute: errors on this request are answered with the HTML error page, not JSON. */
    public static final String HTML_ERRORS = "gatehouse.html-errors";
    /** Request attribute: the console header of the signed-in person, so error pages keep the console's look. */
    public static final String NAV = "gatehouse.nav";

    // No form-action: browsers apply it to the redirect after the consent form, which goes to the app.
    public static final String CSP =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src data:; "
                    + "frame-ancestors 'none'; base-uri 'none'";

    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    /** Renders {@code template} (a path under src/main/jte) with its one parameter {@code model}. */
    public void render(Context ctx, int status, String template, Object model) {
        var output = new StringOutput();
        engine.render(template, model, output);
        secureHeaders(ctx);
        ctx.status(status).contentType("text/html; charset=utf-8").result(output.toString());
    }

    /** The error page, for failures that must not redirect (unknown app, unregistered redirect URI). */
    public void error(Context ctx, int status, String error, String description) {
        Nav nav = ctx.attribute(NAV);
        if (nav != null) {
            render(ctx, status, "error.jte", new ErrorPage(heading(status), description, nav));
            return;
        }
        render(ctx, status, "error.jte", new ErrorPage(error, description));
    }

    private static String heading(int status) {
        return switch (status) {
            case 404 -> "Not found";
            case 403 -> "Not allowed";
            case 409 -> "That cannot be done now";
            case 429 -> "Too many requests";
            default -> status < 500 ? "That did not work" : "Something went wrong";
        };
    }

    /** A 302 to {@code location} from a page flow: not cached, with the pages' security headers. */
    public static void redirect(Context ctx, String location) {
        ctx.header("Cache-Control", "no-store");
        secureHeaders(ctx);
        ctx.redirect(URI.create(location).toString(), HttpStatus.FOUND);
    }

    public static void secureHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP)
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store");
    }

    /**
     * The console's header, for a signed-in person: who they are, the CSRF token of the sign-out
     * form, whether the Admin section is theirs, and which section the page belongs to
     * ({@code dashboard}, {@code apps}, {@code orgs}, {@code account}, {@code admin}).
     */
    public record Nav(String username, String csrfToken, boolean admin, String section) {
        /** {@code "page"} for the section's own link (aria-current), else null (no attribute). */
        public String current(String name) {
            return name.equals(section) ? "page" : null;
        }
    }

    /** The model of error.jte; {@code nav} is null when nobody is signed in (or on OAuth pages). */
    public record ErrorPage(String error, String description, Nav nav) {
        public ErrorPage(String error, String description) {
            this(error, description, null);
        }
    }

    /** The model of message.jte: a page that tells the person something went well. */
    public record Message(String title, String text) {
    }
}
