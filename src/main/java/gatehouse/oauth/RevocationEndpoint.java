package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.errors.OAuthException;
import gatehouse.tokens.TokenService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Responses;
import gatehouse.ratelimit.RateLimiter;
import io.javalin.http.Context;

/**
 * {@code POST /oauth/revoke} (RFC 7009): 200 for every well-formed request by an authenticated
 * app, whether or not the token existed or was its own (others' tokens are left alone).
 */
public final class RevocationEndpoint {
    private final ClientAuthenticator authenticator;
    private final TokenService tokens;

    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;

    public RevocationEndpoint(ClientAuthenticator authenticator, TokenService tokens, RateLimiter limiter,
                              RateLimiter.Limit limit) {
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.limit = limit;
        this.tokens = tokens;
    }

    public void handle(Context ctx) {
        FormParams form = Bodies.oauthForm(ctx).rejectRepeated();
        Client client = authenticator.authenticate(ctx.header("Authorization"), form, true).client();
        limiter.refuseIfSpent(ctx, limit, client.clientId(), !client.confidential());
        String token = form.get("token");
        if (token == null) {
            throw OAuthException.invalidRequest("token is required");
        }
        // RFC 7009 §2.1: the hint only speeds up the lookup; the token's prefix already tells us.
        tokens.revoke(client.clientId(), token, form.get("token_type_hint"));
        limiter.spend(ctx, limit, client.clientId(), !client.confidential());
        Responses.noStore(ctx).status(200);
    }
}
