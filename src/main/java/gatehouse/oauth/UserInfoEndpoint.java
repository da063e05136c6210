package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.auth.CallerResolver;
import gatehouse.errors.OAuthException;
import gatehouse.scopes.ScopeService;
import gatehouse.tokens.AccessToken;
import gatehouse.users.User;
import gatehouse.users.UserService;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code GET} and {@code POST /oauth/userinfo} (OpenID Connect Core §5.3): who the bearer token's
 * user is, as much as its scopes allow. The token must act for a user (actor {@code self}) and carry
 * {@code openid}; any other answers 403 {@code insufficient_scope}, an unknown, expired or revoked
 * one 401 {@code invalid_token}. A token only ever reads its own user, so there is no other tenant
 * to reach.
 */
public final class UserInfoEndpoint {
    private final ResourceTokens tokens;
    private final UserService users;

    public UserInfoEndpoint(ResourceTokens tokens, UserService users) {
        this.tokens = tokens;
        this.users = users;
    }

    public void handle(Context ctx) {
        AccessToken token = tokens.require(ctx.header("Authorization"), CallerResolver.proofHeaders(ctx),
                ctx.method().name(), ctx.path()).token();
        Set<String> scopes = ScopeService.parse(token.scope());
        if (token.userId() == null || !ActorMode.SELF.is(token.actor()) || !scopes.contains(OpenIdConnect.SCOPE)) {
            throw OAuthException.insufficientScope(OpenIdConnect.SCOPE);
        }
        User user = users.get(token.userId());
        var facts = new OpenIdConnect.UserFacts(user.id(), user.username(), user.name(), user.emailVerified(),
                user.updatedAt());
        Responses.ok(Responses.noStore(ctx), OpenIdConnect.userInfo(facts, scopes, token.organizationId()).toJSONObject());
    }
}
