package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.scopes.ScopeService;
import gatehouse.store.StoredJson;
import gatehouse.tokens.AccessToken;
import gatehouse.tokens.TokenRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code urn:ietf:params:oauth:grant-type:token-exchange} (RFC 8693): a service an admin approved
 * for it exchanges a user's Gatehouse access token ({@code subject_token}) for one of its own,
 * narrower or for another resource server: the same user, in the same organization, with the
 * subject's scopes the service may use (or fewer, never more), for at most the subject's remaining
 * life, and no refresh token. With {@code actor_token} (one of the service's own tokens) it is
 * delegation: the new token's {@code act} names the service, and carries on any {@code act} the
 * subject had (RFC 8693 §4.1). Without, the service simply acts as the user. Every exchange is in the
 * audit trail ({@code token.issued} with the grant type, the audience and the act).
 */
public final class TokenExchangeGrant implements Grant {
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    /** How many actors a delegation chain may name: each exchange nests the last. */
    static final int MAX_ACT_DEPTH = 4;

    private final Transactions transactions;
    private final Issuance issuance;
    private final Function<String, Optional<TokenRepository.FoundAccess>> liveTokens;
    private final ResourceServers resources;
    private final Clock clock;

    /** {@code liveTokens}: an access token's facts when it is active (unknown, expired, revoked: empty). */
    public TokenExchangeGrant(Transactions transactions, Issuance issuance,
                              Function<String, Optional<TokenRepository.FoundAccess>> liveTokens,
                              ResourceServers resources, Clock clock) {
        this.transactions = transactions;
        this.issuance = issuance;
        this.liveTokens = liveTokens;
        this.resources = resources;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.TOKEN_EXCHANGE;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type",
                "scope", "resource", "audience");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        if (!client.confidential()) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "public apps cannot exchange tokens");
        }
        if (params.get("requested_token_type") != null && !ACCESS_TOKEN_TYPE.equals(params.get("requested_token_type"))) {
            throw OAuthException.invalidRequest("requested_token_type: only access tokens are issued");
        }
        TokenRepository.FoundAccess subject = presented(params, "subject_token", "subject_token_type");
        AccessToken token = subject.token();
        if (token.userId() == null || !ActorMode.SELF.is(token.actor())) {
            throw OAuthException.invalidRequest("subject_token must be a token acting for a user");
        }
        if (token.dpopJkt() != null) {
            throw OAuthException.invalidRequest("a DPoP-bound subject_token cannot be exchanged: it works only with its key");
        }
        // A token for a resource server is that server's to exchange (a gateway passing a call on), no one else's.
        if (token.audience() != null && !token.audience().equals(client.resource())) {
            throw OAuthException.invalidRequest("subject_token is for another resource server");
        }
        String act = params.get("actor_token") == null ? token.act() : actOf(client, params, token);
        // Never wider: the subject's scopes, of those the ones this app may use, or fewer.
        var granted = ScopeService.parse(token.scope()).stream().filter(client.allowedScopes()::contains).toList();
        String scope = ScopeRequest.join(ScopeRequest.narrow(params.get("scope"), granted));
        if (scope.isEmpty() && !ScopeService.parse(token.scope()).isEmpty()) {
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "this app may use none of the subject token's scopes");
        }
        String asked = resource(params.get("resource"), params.get("audience"));
        // Without a target named, the new token stays with the subject's (never for more than it was).
        String resource = asked != null ? asked : token.audience();
        Instant now = clock.instant();
        long left = token.expiresAt().getEpochSecond() - now.getEpochSecond();
        int ttl = (int) Math.max(1, Math.min(client.accessTokenTtl(), left));
        var exchanged = new Issuance.Exchanged(token.userId(), token.organizationId(), subject.owner().emailVerified(), scope,
                resource, act, ttl);
        return transactions.inTransaction(tx -> issuance.exchangedToken(tx, client, exchanged, type(), dpopJkt))
                .withIssuedTokenType(ACCESS_TOKEN_TYPE);
    }

    /** The live Gatehouse access token a {@code name} / {@code name_type} pair presents; invalid_request otherwise (§2.2.2). */
    private TokenRepository.FoundAccess presented(Map<String, String> params, String name, String typeName) {
        String value = params.get(name);
        if (value == null) {
            throw OAuthException.invalidRequest(name + " is required");
        }
        if (!ACCESS_TOKEN_TYPE.equals(params.get(typeName))) {
            throw OAuthException.invalidRequest(typeName + " must be " + ACCESS_TOKEN_TYPE);
        }
        return liveTokens.apply(value)
                .orElseThrow(() -> OAuthException.invalidRequest(name + " is not an active Gatehouse access token"));
    }

    /**
     * The act of a delegation: the actor token must be one of this app's own (no app can claim to be
     * acting as another), and what acted for the subject before stays inside it.
     */
    private String actOf(Client client, Map<String, String> params, AccessToken subject) {
        AccessToken actor = presented(params, "actor_token", "actor_token_type").token();
        if (!actor.clientId().equals(client.clientId())) {
            throw OAuthException.invalidRequest("actor_token must be a token of the app exchanging");
        }
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", actor.subject());
        act.put("client_id", actor.clientId());
        if (subject.act() != null) {
            Map<?, ?> previous = StoredJson.read(subject.act(), Map.class);
            if (depth(previous) >= MAX_ACT_DEPTH) {
                throw OAuthException.invalidRequest("the delegation chain is too long (at most " + MAX_ACT_DEPTH + ")");
            }
            act.put("act", previous);
        }
        return StoredJson.write(act);
    }

    private static int depth(Map<?, ?> act) {
        return act.get("act") instanceof Map<?, ?> inner ? 1 + depth(inner) : 1;
    }

    /** RFC 8693's {@code audience} names the same thing as RFC 8707's {@code resource} here: a registered resource server. */
    private String resource(String resource, String audience) {
        if (resource != null && audience != null && !resource.equals(audience)) {
            throw OAuthException.of(OAuthError.INVALID_TARGET, "resource and audience name different targets");
        }
        return resources.resolve(resource != null ? resource : audience);
    }
}
