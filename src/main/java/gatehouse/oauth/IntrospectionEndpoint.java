package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.clients.ClientAuthenticator;
import gatehouse.errors.OAuthException;
import gatehouse.store.StoredJson;
import gatehouse.tokens.AccessToken;
import gatehouse.secrets.TokenKind;
import gatehouse.tokens.TokenService;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Responses;
import gatehouse.ratelimit.RateLimiter;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /oauth/introspect} (RFC 7662). An app may introspect its own tokens; an app flagged
 * {@code resource_server} any. Whatever is not an active token the caller may see is
 * {@code {"active": false}}, with no hint why.
 */
public final class IntrospectionEndpoint {
    private static final Map<String, Object> INACTIVE = Map.of("active", false);

    private final ClientAuthenticator authenticator;
    private final TokenService tokens;
    private final String issuer;

    private final RateLimiter limiter;
    private final RateLimiter.Limit limit;

    public IntrospectionEndpoint(ClientAuthenticator authenticator, TokenService tokens, String issuer,
                                 RateLimiter limiter, RateLimiter.Limit limit) {
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.limit = limit;
        this.tokens = tokens;
        this.issuer = issuer;
    }

    public void handle(Context ctx) {
        FormParams form = Bodies.oauthForm(ctx).rejectRepeated();
        Client caller = authenticator.authenticate(ctx.header("Authorization"), form, false).client();
        limiter.refuseIfSpent(ctx, limit, caller.clientId(), !caller.confidential());
        String token = form.get("token");
        if (token == null) {
            throw OAuthException.invalidRequest("token is required");
        }
        Map<String, Object> answer = introspect(caller, token);
        limiter.spend(ctx, limit, caller.clientId(), !caller.confidential());
        Responses.ok(Responses.noStore(ctx), answer);
    }

    private Map<String, Object> introspect(Client caller, String token) {
        TokenKind kind = tokens.kindOf(token);
        if (kind == TokenKind.ACCESS_TOKEN) {
            return tokens.findActiveAccessToken(token)
                    .filter(found -> visibleTo(caller, found.token().clientId()) && forCaller(caller, found.token()))
                    .map(found -> describe(found.token(), found.owner().username(), found.owner().emailVerified(),
                            found.token().tokenType()))
                    .orElse(INACTIVE);
        }
        if (kind == TokenKind.REFRESH_TOKEN) {
            return tokens.findActiveRefreshToken(token)
                    .filter(found -> visibleTo(caller, found.token().clientId()))
                    .map(found -> {
                        var grant = found.grant();
                        var asAccess = new AccessToken(found.token().id(), grant.clientId(), grant.tokenUserId(),
                                grant.organizationId(), grant.actor(), found.token().scope(), grant.id(),
                                grant.grantType(), false, found.token().createdAt(), found.token().expiresAt(), null,
                                grant.dpopJkt());
                        return describe(asAccess, null, asAccess.userId() == null ? null : found.ownerEmailVerified(),
                                "refresh_token");
                    })
                    .orElse(INACTIVE);
        }
        return INACTIVE;
    }

    /**
     * RFC 8707: a token asked for one resource server is not another's to accept. A token for a
     * resource is active only to the resource server registered as it (and to the app it was issued
     * to); a token for no resource in particular, to every resource server, as before.
     */
    private static boolean forCaller(Client caller, AccessToken token) {
        return token.audience() == null || caller.clientId().equals(token.clientId())
                || token.audience().equals(caller.resource());
    }

    private static boolean visibleTo(Client caller, String tokenClientId) {
        return caller.resourceServer() || caller.clientId().equals(tokenClientId);
    }

    /** {@code emailVerified}: the user's flag for a token acting as a user, null for one acting as its app. */
    private Map<String, Object> describe(AccessToken token, String username, Boolean emailVerified, String tokenType) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("active", true);
        body.put("scope", token.scope());
        body.put("client_id", token.clientId());
        if (username != null) {
            body.put("username", username);
        }
        body.put("token_type", tokenType);
        if (token.expiresAt() != null) {
            body.put("exp", token.expiresAt().getEpochSecond());
        }
        body.put("iat", token.createdAt().getEpochSecond());
        body.put("sub", token.subject());
        body.put("iss", issuer);
        if (token.audience() != null) {
            body.put("aud", token.audience());
        }
        body.put("jti", token.id().toString());
        if (token.organizationId() != null) {
            body.put("organization_id", token.organizationId().toString());
        }
        body.put("actor", token.actor());
        if (emailVerified != null) {
            body.put("email_verified", emailVerified);
        }
        if (token.act() != null) {
            body.put("act", StoredJson.read(token.act(), Map.class));
        }
        if (token.dpopJkt() != null) {
            // RFC 9449 §6.2: a resource server learns the key the token must be presented with.
            body.put("cnf", Map.of("jkt", token.dpopJkt()));
        }
        return body;
    }
}
