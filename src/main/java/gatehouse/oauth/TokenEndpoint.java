package gatehouse.oauth;

import gatehouse.auth.CallerResolver;
import gatehouse.auth.DPoPProofs;
import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Responses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import gatehouse.ratelimit.RateLimiter;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code POST /oauth/token} (RFC 6749 §3.2): read, authenticate, check a DPoP proof if one came
 * (RFC 9449 §5: the tokens are then bound to its key), pick the grant, answer.
 */
public final class TokenEndpoint {
    private final ClientAuthenticator authenticator;
    private final Map<String, Grant> grants;
    private final Map<String, Counter> issued;

    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;
    private final DPoPProofs proofs;

    public TokenEndpoint(ClientAuthenticator authenticator, List<Grant> grants, MeterRegistry metrics,
                         RateLimiter limiter, RateLimiter.Limit limit, DPoPProofs proofs) {
        this.authenticator = authenticator;
        this.proofs = proofs;
        this.limiter = limiter;
        this.limit = limit;
        this.grants = grants.stream().collect(Collectors.toUnmodifiableMap(Grant::type, g -> g));
        this.issued = grants.stream().collect(Collectors.toUnmodifiableMap(Grant::type, g -> Counter
                .builder("gatehouse_tokens_issued").description("Access tokens issued, by grant type")
                .tag("grant_type", g.type()).register(metrics)));
    }

    public void handle(Context ctx) {
        FormParams form = Bodies.oauthForm(ctx).rejectRepeated();
        Grant grant = grantFor(form.get("grant_type"));
        Client client = authenticator.authenticate(ctx.header("Authorization"), form, true).client();
        limiter.refuseIfSpent(ctx, limit, client.clientId(), !client.confidential());
        if (!client.allowsGrant(grant.type())) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app may not use " + grant.type());
        }
        String dpopJkt = proofKey(ctx, client);
        TokenResponse response = grant.exchange(client, onlyDeclared(form, grant), dpopJkt);
        // Only now: a bad grant must not spend the app's budget (see RateLimiter).
        limiter.spend(ctx, limit, client.clientId(), !client.confidential());
        issued.get(grant.type()).increment();
        Responses.ok(Responses.noStore(ctx), response.members());
    }

    /**
     * The key a DPoP proof in the request was made with, or null without one (refused for an app
     * that must send one). Every answer to a request with a proof carries a fresh DPoP-Nonce, so
     * the client's next proof can include it.
     */
    private String proofKey(Context ctx, Client client) {
        List<String> headers = CallerResolver.proofHeaders(ctx);
        if (headers.isEmpty() && !client.dpopBoundAccessTokens()) {
            return null;
        }
        ctx.header("DPoP-Nonce", proofs.currentNonce());
        if (headers.isEmpty()) {
            throw OAuthException.of(OAuthError.INVALID_DPOP_PROOF, "this app must send a DPoP proof (RFC 9449)");
        }
        return proofs.tokenRequestKey(headers, ctx.path());
    }

    private Grant grantFor(String grantType) {
        if (grantType == null) {
            throw OAuthException.invalidRequest("grant_type is required");
        }
        Grant grant = grants.get(grantType);
        if (grant == null) {
            throw OAuthException.of(OAuthError.UNSUPPORTED_GRANT_TYPE, "grant_type " + FormParams.safeName(grantType)
                    + " is not supported");
        }
        return grant;
    }

    private static Map<String, String> onlyDeclared(FormParams form, Grant grant) {
        Map<String, String> params = new HashMap<>();
        for (String name : grant.parameters()) {
            String value = form.get(name);
            if (value != null) {
                params.put(name, value);
            }
        }
        return params;
    }
}
