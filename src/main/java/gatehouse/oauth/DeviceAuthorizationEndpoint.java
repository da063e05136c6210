package gatehouse.oauth;

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
    private final AppCallEndpoint calls;
    private final DeviceFlow flow;

    public DeviceAuthorizationEndpoint(AppCallEndpoint calls, DeviceFlow flow) {
        this.calls = calls;
        this.flow = flow;
    }

    public void handle(Context ctx) {
        var started = calls.call(ctx, flow::start);
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
