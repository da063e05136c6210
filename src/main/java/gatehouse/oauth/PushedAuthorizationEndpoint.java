package gatehouse.oauth;

import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code POST /oauth/par}: pushed authorization requests (RFC 9126). An app authenticates as at the
 * token endpoint (a public app by its {@code client_id}), posts what it would have put in the
 * authorization URL, and gets {@code 201 {"request_uri", "expires_in"}}; the browser is then sent to
 * {@code /oauth/authorize?client_id=…&request_uri=…}. The request is checked here, so a bad one is a
 * JSON error to the app, not a page in the user's browser. Who may call it: any app, for itself only.
 */
public final class PushedAuthorizationEndpoint {
    private final AppCallEndpoint calls;
    private final AuthorizationService service;

    /** {@code calls}: authenticating the app and spending its token-endpoint budget, which pushing spends too. */
    public PushedAuthorizationEndpoint(AppCallEndpoint calls, AuthorizationService service) {
        this.calls = calls;
        this.service = service;
    }

    public void handle(Context ctx) {
        AuthorizationService.PushedUri pushed = calls.call(ctx, service::push);
        Responses.json(Responses.noStore(ctx), 201, Map.of("request_uri", pushed.requestUri(),
                "expires_in", pushed.expiresIn()));
    }
}
