package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import io.javalin.http.Context;
import java.util.function.BiFunction;

/**
 * What the endpoints an app calls beside the token endpoint share (pushed authorization requests,
 * device authorization): the form read strictly, the app authenticated as at the token endpoint (a
 * public app by its {@code client_id}), refused while its token-endpoint budget is spent, and that
 * budget spent only once the work succeeded (see {@link RateLimiter}).
 */
public final class AppCallEndpoint {
    private final ClientAuthenticator authenticator;
    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;

    /** {@code limit}: the token endpoint's budget per app. */
    public AppCallEndpoint(ClientAuthenticator authenticator, RateLimiter limiter, RateLimiter.Limit limit) {
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.limit = limit;
    }

    /** The result of {@code work} for the authenticated app and the request's form. */
    <T> T call(Context ctx, BiFunction<Client, FormParams, T> work) {
        FormParams form = Bodies.oauthForm(ctx);
        Client client = authenticator.authenticate(ctx.header("Authorization"), form, true).client();
        limiter.refuseIfSpent(ctx, limit, client.clientId(), !client.confidential());
        T result = work.apply(client, form);
        limiter.spend(ctx, limit, client.clientId(), !client.confidential());
        return result;
    }
}
