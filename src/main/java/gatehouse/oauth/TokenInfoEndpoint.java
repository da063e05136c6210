package gatehouse.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import gatehouse.auth.CallerResolver;
import gatehouse.tokens.AccessToken;
import gatehouse.web.Responses;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** {@code GET /oauth/token/info}: the presented bearer token's own facts. */
public final class TokenInfoEndpoint {
    private final ResourceTokens tokens;

    public TokenInfoEndpoint(ResourceTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * The body of a token-info answer; {@code email_verified} only for a token acting as a user, so
     * a resource server can tell an unverified account.
     */
    public record TokenInfo(String clientId, UUID userId, UUID organizationId, String actor, List<String> scopes,
                            Instant expiresAt,
                            @JsonInclude(
                                    JsonInclude.Include.NON_NULL)
                            Boolean emailVerified) {
    }

    public void handle(Context ctx) {
        var found = tokens.require(ctx.header("Authorization"), CallerResolver.proofHeaders(ctx), ctx.method().name(),
                ctx.path());
        AccessToken token = found.token();
        List<String> scopes = token.scope().isEmpty() ? List.of() : Arrays.asList(token.scope().split(" "));
        Responses.ok(Responses.noStore(ctx), new TokenInfo(token.clientId(), token.userId(), token.organizationId(),
                token.actor(), scopes, token.expiresAt(), found.owner().emailVerified()));
    }
}
