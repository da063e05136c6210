package gatehouse.oauth;

import gatehouse.auth.Caller;
import gatehouse.auth.CallerSource;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.errors.OAuthException;
import gatehouse.users.FormCsrf;
import gatehouse.users.SessionService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET} and {@code POST /oauth/logout}: OpenID Connect RP-Initiated Logout 1.0, the provider's
 * {@code end_session_endpoint}. An app sends the browser here to end the user's Gatehouse session,
 * and may name where to come back to ({@code post_logout_redirect_uri}, registered for the app and
 * matched exactly, with {@code state} echoed).
 *
 * <p>Who may end a session: the browser holding it. An {@code id_token_hint} naming the signed-in
 * user proves the request comes from an app that user signed in to, so the session ends at once;
 * without one (or with another user's) the user confirms on a page whose form carries the session's
 * CSRF token, so a link on another site cannot sign anyone out. Nothing else is revoked: the app's
 * tokens live on until they expire or are revoked (docs/openid-connect.md).
 */
public final class EndSessionEndpoint {
    private static final List<String> PARAMETERS = List.of("id_token_hint", "client_id", "post_logout_redirect_uri",
            "state", "logout_hint", "ui_locales");

    private final IdTokenHints hints;
    private final ClientService clients;
    private final SessionService sessions;
    private final CallerSource callers;
    private final FormCsrf cookies;
    private final Pages pages;

    public EndSessionEndpoint(IdTokenHints hints, ClientService clients, SessionService sessions, CallerSource callers,
                              FormCsrf cookies, Pages pages) {
        this.hints = hints;
        this.clients = clients;
        this.sessions = sessions;
        this.callers = callers;
        this.cookies = cookies;
        this.pages = pages;
    }

    /** A checked logout request: who the hint names (or null), the app, and where to go afterwards. */
    private record Request(IdTokenHints.Hint hint, Client client, String returnTo) {
    }

    public void handle(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams params = "POST".equals(ctx.method().name()) ? Bodies.htmlForm(ctx) : FormParams.parse(ctx.queryString());
        params.rejectRepeated(PARAMETERS);
        Request request = check(params);
        Optional<Caller> caller = callers.session(ctx);
        boolean confirmed = "POST".equals(ctx.method().name()) && "yes".equals(params.get("confirm"));
        if (caller.isPresent()) {
            if (!provenBy(request, caller.get(), confirmed, params.get("csrf_token"))) {
                pages.render(ctx, 200, "logout.jte", new LogoutPage(
                        request.client() == null ? null : request.client().name(), caller.get().username(),
                        carried(params), caller.get().csrfToken()));
                return;
            }
            sessions.end(caller.get());
            ctx.header("Set-Cookie", cookies.expiredSessionCookie());
        }
        if (request.returnTo() != null) {
            Pages.redirect(ctx, withState(request.returnTo(), params.get("state")));
            return;
        }
        pages.render(ctx, 200, "message.jte", new Pages.Message("Signed out", "You are signed out of Gatehouse."));
    }

    /**
     * The signed-in user asked for this: they confirmed on the page (a POST whose CSRF token is the
     * session's; a wrong one is refused, not asked again), or the hint is an ID token of this very
     * session — its user, signed in at the session's start.
     */
    private static boolean provenBy(Request request, Caller caller, boolean confirmed, String csrfToken) {
        if (confirmed) {
            AuthorizeEndpoint.requireCsrf(csrfToken, caller);
            return true;
        }
        IdTokenHints.Hint hint = request.hint();
        return hint != null && hint.userId().equals(caller.userId()) && hint.authTime() != null
                && caller.signedInAt() != null
                && hint.authTime().getEpochSecond() == caller.signedInAt().getEpochSecond();
    }

    private Request check(FormParams params) {
        IdTokenHints.Hint hint = hintIfVerifiable(params.get("id_token_hint"));
        String clientId = params.get("client_id");
        if (hint != null) {
            if (clientId != null && !hint.audience().contains(clientId)) {
                throw OAuthException.invalidRequest("id_token_hint was issued to another app than client_id");
            }
            if (clientId == null && hint.audience().size() == 1) {
                clientId = hint.audience().getFirst();
            }
        }
        Client client = clientId == null ? null : clients.findOptional(clientId)
                .orElseThrow(() -> OAuthException.invalidRequest("unknown client_id"));
        String returnTo = params.get("post_logout_redirect_uri");
        if (returnTo != null) {
            if (client == null) {
                throw OAuthException.invalidRequest("post_logout_redirect_uri needs client_id or id_token_hint");
            }
            if (!client.postLogoutRedirectUris().contains(returnTo)) {
                throw OAuthException.invalidRequest("post_logout_redirect_uri is not registered for this app");
            }
        }
        return new Request(hint, client, returnTo);
    }

    /**
     * The hint when it is an ID token Gatehouse can still verify, else none: an old one (its key
     * retired since) or a foreign one only means the user is asked, as without a hint (§2 lets an
     * expired hint through; it is no proof of who asks).
     */
    private IdTokenHints.Hint hintIfVerifiable(String value) {
        if (value == null) {
            return null;
        }
        try {
            return hints.verify(value);
        } catch (OAuthException e) {
            return null;
        }
    }

    /** The request's own parameters, for the confirmation form to send back. */
    private static Map<String, String> carried(FormParams params) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String name : PARAMETERS) {
            if (params.get(name) != null) {
                fields.put(name, params.get(name));
            }
        }
        return fields;
    }

    private static String withState(String uri, String state) {
        if (state == null) {
            return uri;
        }
        return uri + (uri.contains("?") ? "&" : "?") + "state=" + URLEncoder.encode(state, StandardCharsets.UTF_8);
    }
}
