package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.ratelimit.RateLimiter;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /oauth/device_authorization} (RFC 8628 §3.1): an app registered for the device_code
 * grant authenticates as at the token endpoint (a public app by its {@code client_id}) and gets
 * {@code {"device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in",
 * "interval"}}. Who may call it: any app, for itself; it spends the app's token-endpoint budget.
 */
public final class DeviceAuthorizationEndpoint {
    private final ClientAuthenticator authenticator;
    private final DeviceFlow flow;
    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;

    public DeviceAuthorizationEndpoint(ClientAuthenticator authenticator, DeviceFlow flow, RateLimiter limiter,
                                       RateLimiter.Limit limit) {
        this.authenticator = authenticator;
        this.flow = flow;
        this.limiter = limiter;
        this.limit = limit;
    }

    public void handle(Context ctx) {
        FormParams form = Bodies.oauthForm(ctx);
        Client client = authenticator.authenticate(ctx.header("Authorization"), form, true).client();
        limiter.refuseIfSpent(ctx, limit, client.clientId(), !client.confidential());
        var started = flow.start(client, form);
        limiter.spend(ctx, limit, client.clientId(), !client.confidential());
        // Written member by member: Nimbus' JSON object holds its identifiers as objects only json-smart can write.
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device_code", started.getDeviceCode().getValue());
        answer.put("user_code", started.getUserCode().getValue());
        answer.put("verification_uri", started.getVerificationURI().toString());
        answer.put("verification_uri_complete", started.getVerificationURIComplete().toString());
        answer.put("expires_in", started.getLifetime());
        answer.put("interval", started.getInterval());
        Responses.ok(Responses.noStore(ctx), answer);
    }
}
