package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
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
    private final ClientAuthenticator authenticator;
    private final AuthorizationService service;
    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;

    /** {@code limit}: the token endpoint's budget per app, which pushing spends too. */
    public PushedAuthorizationEndpoint(ClientAuthenticator authenticator, AuthorizationService service,
                                       RateLimiter limiter, RateLimiter.Limit limit) {
        this.authenticator = authenticator;
        this.service = service;
        this.limiter = limiter;
        this.limit = limit;
    }

    public void handle(Context ctx) {
        FormParams form = Bodies.oauthForm(ctx);
        Client client = authenticator.authenticate(ctx.header("Authorization"), form, true).client();
        limiter.refuseIfSpent(ctx, limit, client.clientId(), !client.confidential());
        AuthorizationService.PushedUri pushed = service.push(client, form);
        limiter.spend(ctx, limit, client.clientId(), !client.confidential());
        Responses.json(Responses.noStore(ctx), 201, Map.of("request_uri", pushed.requestUri(),
                "expires_in", pushed.expiresIn()));
    }
}
