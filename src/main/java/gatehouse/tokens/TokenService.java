package gatehouse.tokens;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.audit.RequestOrigin;
import gatehouse.auth.ActorMode;
import gatehouse.auth.Credentials;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.store.Page;
import gatehouse.store.PageRequest;
import gatehouse.store.StoredJson;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Issues, finds and revokes tokens. The issuing methods take the grant's open transaction, so a
 * code exchange or refresh either stores everything it returns or nothing.
 */
public final class TokenService implements Credentials.AccessTokens {
    private final Database database;
    private final TokenRepository tokens;
    private final TokenCodec codec;
    private final AuditLog audit;
    private final Clock clock;
    private final TokenEvents events;
    private final AccessTokenSigner signer;
    private final AccessTokenCache cache;
    /** Writes service tokens together (group commit); null when each is written alone. */
    private final AccessTokenBatcher batcher;

    /**
     * A JWT access token as a value: three base64url segments (header, claims, signature). Only its
     * hash is looked up, so the signature need not be checked here: a forged one matches no row.
     */
    private static final Pattern JWT_SHAPE =
            Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final int MAX_JWT_LENGTH = 8192;

    /** Without anyone to tell of revocations (tests of the grants). */
    public TokenService(Database database, TokenRepository tokens, TokenCodec codec, AuditLog audit, Clock clock,
                        AccessTokenSigner signer) {
        this(database, tokens, codec, audit, clock, signer, TokenEvents.NONE, AccessTokenCache.none(), null);
    }

    /**
     * {@code events} hears of the revocations users and admins make (the webhook outbox); {@code cache}
     * keeps live access tokens in memory; service tokens go through {@code batcher} (group commit),
     * sharing their INSERT and commit with the ones issued at the same time — with null each is
     * written alone.
     */
    public TokenService(Database database, TokenRepository tokens, TokenCodec codec, AuditLog audit, Clock clock,
                        AccessTokenSigner signer, TokenEvents events, AccessTokenCache cache, AccessTokenBatcher batcher) {
        this.batcher = batcher;
        this.events = events;
        this.cache = cache;
        this.signer = signer;
        this.database = database;
        this.audit = audit;
        this.tokens = tokens;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * What to issue: who it acts for and how long it lives; {@code jwt} is how the app's JWT access
     * tokens are signed ({@code Client.jwtFormat()}), null for an opaque token. {@code emailVerified}
     * is the user's flag when the grant already read it, null when unknown (a JWT acting as a user
     * then reads it for its {@code email_verified} claim).
     */
    public record AccessSpec(String clientId, UUID userId, UUID organizationId, String actor, String scope,
                             UUID grantId, String grantType, boolean singlePerInstallation, int ttlSeconds,
                             AccessTokenSigner.Format jwt, Boolean emailVerified, String dpopJkt, String audience,
                             String act) {

        /** A token for {@code audience} on nobody's behalf. */
        public AccessSpec(String clientId, UUID userId, UUID organizationId, String actor, String scope,
                          UUID grantId, String grantType, boolean singlePerInstallation, int ttlSeconds,
                          AccessTokenSigner.Format jwt, Boolean emailVerified, String dpopJkt, String audience) {
            this(clientId, userId, organizationId, actor, scope, grantId, grantType, singlePerInstallation, ttlSeconds,
                    jwt, emailVerified, dpopJkt, audience, null);
        }

        /** A token for Gatehouse's default audience. */
        public AccessSpec(String clientId, UUID userId, UUID organizationId, String actor, String scope,
                          UUID grantId, String grantType, boolean singlePerInstallation, int ttlSeconds,
                          AccessTokenSigner.Format jwt, Boolean emailVerified, String dpopJkt) {
            this(clientId, userId, organizationId, actor, scope, grantId, grantType, singlePerInstallation, ttlSeconds,
                    jwt, emailVerified, dpopJkt, null, null);
        }

        /** A bearer token's spec whose user's email_verified flag is not known yet. */
        public AccessSpec(String clientId, UUID userId, UUID organizationId, String actor, String scope,
                          UUID grantId, String grantType, boolean singlePerInstallation, int ttlSeconds,
                          AccessTokenSigner.Format jwt) {
            this(clientId, userId, organizationId, actor, scope, grantId, grantType, singlePerInstallation, ttlSeconds,
                    jwt, null, null, null, null);
        }
    }

    /** An access token just issued: its value (returned once) and its stored facts. */
    public record Issued(String value, AccessToken token) {
    }

    /**
     * Stores a new access token outside any family. An installation-bound one replaces the
     * installation's previous token (docs/http.md, "The OAuth flows": one live access token per
     * installation), under the installation's lock, taken first in a statement of its own.
     */
    public Issued issueAccessToken(Handle handle, AccessSpec spec) {
        if (spec.singlePerInstallation()) {
            tokens.lockInstallation(handle, spec.clientId(), spec.organizationId(), spec.actor(), spec.userId());
        }
        return storeExchange(handle, new Exchange(null, null, null, spec, false));
    }

    /**
     * Stores an access token that stands alone, outside any unit of work of the caller's: the
     * client-credentials service token (no installation to replace a token of, no family). It is
     * committed before this returns, with group commit together with those issued at the same time.
     */
    public Issued issueServiceToken(AccessSpec spec) {
        if (spec.singlePerInstallation() || spec.userId() != null) {
            throw new IllegalArgumentException("a service token acts as its app and replaces no other token");
        }
        if (batcher == null) {
            return database.withHandle(handle -> issueAccessToken(handle, spec));
        }
        var token = newToken(spec, clock.instant());
        // Signed here, in the request: the key is read on a handle held only for that, never while
        // the request waits for its batch (waiting requests holding connections would starve the flushers).
        var signed = spec.jwt() == null ? null
                : database.withHandle(handle -> signer.sign(handle, token, spec.jwt(), null));
        String value = signed == null ? codec.generate(TokenKind.ACCESS_TOKEN) : signed.value();
        batcher.store(newRow(token, value, signed));
        return new Issued(value, token);
    }

    private static AccessToken newToken(AccessSpec spec, Instant now) {
        return new AccessToken(Ids.newId(), spec.clientId(), spec.userId(), spec.organizationId(), spec.actor(),
                spec.scope(), spec.grantId(), spec.grantType(), spec.singlePerInstallation(), now,
                now.plusSeconds(spec.ttlSeconds()), null, spec.dpopJkt(), spec.audience(), spec.act());
    }

    /**
     * The row and its audit entry. The origin is read here, on the request's thread: a batch is
     * written on a flusher thread, which has no request of its own.
     */
    private static TokenRepository.NewAccessToken newRow(AccessToken token, String value, AccessTokenSigner.Signed signed) {
        var origin = RequestOrigin.current();
        return new TokenRepository.NewAccessToken(token, TokenCodec.hash(value), signed == null ? null : signed.keyId(),
                "refresh_token".equals(token.grantType()) ? "token.refreshed" : "token.issued", Ids.newId(),
                origin.ip(), origin.userAgent(), issuedDetails(token));
    }

    /** The email_verified a JWT acting as a user carries; null for a token acting as its app. */
    private Boolean emailVerifiedFor(Handle handle, AccessSpec spec) {
        if (spec.userId() == null) {
            return null;
        }
        return spec.emailVerified() != null ? spec.emailVerified() : tokens.emailVerified(handle, spec.userId());
    }

    private static String issuedDetails(AccessToken token) {
        var details = new LinkedHashMap<String, Object>();
        details.put("token_id", token.id().toString());
        details.put("grant_type", token.grantType());
        details.put("actor", token.actor());
        details.put("scope", token.scope());
        if (token.userId() != null) {
            details.put("user_id", token.userId().toString());
        }
        if (token.audience() != null) {
            details.put("audience", token.audience());
        }
        if (token.act() != null) {
            details.put("act", StoredJson.read(token.act(), Map.class));
        }
        return StoredJson.write(details);
    }

    /** A refresh token made but not stored yet: its value (shown once) and its row. */
    public record NewRefresh(String value, RefreshToken token) {
    }

    /**
     * The refresh token an exchange retires (rotation), when, and the encrypted value of its
     * successor that a retry within the app's grace window gets back (null without a window).
     */
    public record Retirement(UUID refreshId, Instant at, String sealedSuccessor) {
    }

    /**
     * Everything one token exchange stores: the family it starts (code exchange, password sign-in)
     * or null; the refresh token it retires (rotation) or null; the refresh token it hands out when
     * that is a new one, or null; and the access token. An installation-bound access token
     * ({@link AccessSpec#singlePerInstallation()}) replaces the installation's live one; with
     * {@code replacesFamilyTokens} it replaces every live one of its family instead (a password
     * sign-in's refresh: each device keeps its own family).
     */
    public record Exchange(TokenGrant newFamily, Retirement retired, NewRefresh refresh, AccessSpec access,
                           boolean replacesFamilyTokens) {
    }

    /** Makes a refresh token of {@code grantId}; an {@link Exchange} stores it. */
    public NewRefresh newRefreshToken(UUID grantId, UUID parentId, String clientId, String scope, Instant expiresAt) {
        return new NewRefresh(codec.generate(TokenKind.REFRESH_TOKEN), new RefreshToken(Ids.newId(), grantId, parentId,
                clientId, scope, clock.instant(), expiresAt, null, false, null));
    }

    /**
     * Stores an exchange in one statement on {@code handle}'s transaction and returns its access
     * token. Replacing the installation's token needs the installation's lock already held, taken by
     * an earlier statement: the read that began the exchange ({@link #lockRefreshToken}; the code's
     * consumption), or {@link #issueAccessToken}'s own.
     */
    public Issued storeExchange(Handle handle, Exchange exchange) {
        AccessSpec spec = exchange.access();
        var token = newToken(spec, clock.instant());
        // A JWT is stored exactly like an opaque token (by hash), so every lookup treats both alike.
        var signed = spec.jwt() == null ? null
                : signer.sign(handle, token, spec.jwt(), emailVerifiedFor(handle, spec));
        String value = signed == null ? codec.generate(TokenKind.ACCESS_TOKEN) : signed.value();
        var replaces = exchange.replacesFamilyTokens() ? TokenRepository.Replaces.FAMILY_TOKENS
                : spec.singlePerInstallation() ? TokenRepository.Replaces.INSTALLATION_TOKEN
                : TokenRepository.Replaces.NOTHING;
        NewRefresh refresh = exchange.refresh();
        var replaced = tokens.storeExchange(handle, new TokenRepository.ExchangeRows(exchange.newFamily(),
                exchange.retired(), refresh == null ? null : refresh.token(),
                refresh == null ? null : TokenCodec.hash(refresh.value()), newRow(token, value, signed), replaces));
        cache.forgetAfterCommit(handle, replaced);
        return new Issued(value, token);
    }

    /** Live tokens matching the filter, one page. */
    public Page<TokenListing> list(TokenListing.Filter filter, PageRequest page) {
        var rows = database.withHandle(handle -> tokens.listLive(handle, filter, page, clock.instant()));
        return Page.of(rows, page.limit(), TokenListing::id);
    }

    /**
     * Revokes every live token matching the filter, and spends the unredeemed codes that match it;
     * returns how many tokens. Their apps hear of it (token.revoked).
     */
    public int revokeMatching(TokenListing.Filter filter) {
        return database.inTransaction(handle -> {
            Instant now = clock.instant();
            var parties = tokens.partiesHolding(handle, filter, now);
            int revoked = tokens.revokeMatching(handle, filter, now);
            cache.forgetAfterCommit(handle);
            tokens.expireUnusedCodes(handle, filter.clientId(), filter.userId(), filter.organizationId(), null, now);
            tell(handle, parties, "bulk_revoked");
            return revoked;
        });
    }

    /**
     * The user's OAuth sessions: refresh-token families they can still use; only those of the app
     * {@code clientId} when it is given (an app sees its own grants only), all when it is null.
     */
    public List<OAuthSession> sessions(UUID userId, String clientId) {
        return database.withHandle(handle -> tokens.listSessions(handle, userId, clientId, clock.instant()));
    }

    /** Ends one of the user's OAuth sessions (of {@code clientId} when given); false when not theirs or not live. */
    public boolean endSession(UUID userId, String clientId, UUID tokenId) {
        return database.inTransaction(handle -> {
            boolean ended = tokens.listSessions(handle, userId, clientId, clock.instant()).stream()
                    .anyMatch(session -> session.tokenId().equals(tokenId))
                    && tokens.revokeGrant(handle, tokenId, clock.instant()) == 1;
            if (ended) {
                cache.forgetAfterCommit(handle);
                tellRevoked(handle, List.of(tokenId), "session_ended");
            }
            return ended;
        });
    }

    /**
     * Ends every OAuth session of the user (of {@code clientId} when given), and spends the codes
     * they approved for them that were not redeemed yet; returns how many sessions there were.
     */
    public int endAllSessions(UUID userId, String clientId) {
        return database.inTransaction(handle -> {
            Instant now = clock.instant();
            List<UUID> grants = tokens.listSessions(handle, userId, clientId, now).stream()
                    .map(OAuthSession::tokenId).toList();
            tokens.revokeGrants(handle, grants, now);
            cache.forgetAfterCommit(handle);
            tokens.expireUnusedCodes(handle, clientId, userId, null, ActorMode.SELF.value(), now);
            tellRevoked(handle, grants, "session_ended");
            return grants.size();
        });
    }

    private void tellRevoked(Handle handle, List<UUID> grantIds, String reason) {
        tell(handle, tokens.partiesOf(handle, grantIds), reason);
    }

    private void tell(Handle handle, List<TokenRepository.GrantParties> parties, String reason) {
        for (var party : new LinkedHashSet<>(parties)) {
            events.tokensRevoked(handle, party.clientId(), party.organizationId(), party.userId(), reason);
        }
    }

    // Statements other features run in their own transactions, through this service: the tokens
    // feature keeps its repository to itself.

    /** Revokes the app's live access tokens carrying any of {@code scopes}; returns how many. */
    public int revokeCarryingScopes(Handle handle, String clientId, Collection<String> scopes) {
        int revoked = tokens.revokeCarryingScopes(handle, clientId, scopes, clock.instant());
        cache.forgetAfterCommit(handle);
        return revoked;
    }

    /** Revokes live access tokens carrying {@code scope} of apps no admin approved it for; returns how many. */
    public int revokeCarryingUnapprovedScope(Handle handle, String scope) {
        int revoked = tokens.revokeCarryingUnapprovedScope(handle, scope, clock.instant());
        cache.forgetAfterCommit(handle);
        return revoked;
    }

    /**
     * Revokes the app's grants made by {@code grantType} (and their tokens), and its tokens of that grant
     * type outside any family (token exchange); returns how many grants.
     */
    public int revokeGrantsOfType(Handle handle, String clientId, String grantType) {
        Instant now = clock.instant();
        int revoked = tokens.revokeGrantsOfType(handle, clientId, grantType, now);
        // Grants that issue no family (token exchange) leave only their access tokens to revoke.
        tokens.revokeLoneAccessTokensOfType(handle, clientId, grantType, now);
        cache.forgetAfterCommit(handle);
        return revoked;
    }

    /**
     * The refresh token behind {@code hash} with its grant, row-locked until the transaction ends,
     * and the installation its family's access tokens belong to locked too (see {@link #storeExchange}).
     */
    public Optional<TokenRepository.FoundRefresh> lockRefreshToken(Handle handle, byte[] hash) {
        return tokens.lockRefreshToken(handle, hash);
    }

    /** Binds a family bound to no key yet to {@code dpopJkt}. */
    public void bindFamilyKey(Handle handle, UUID grantId, String dpopJkt) {
        tokens.bindFamilyKey(handle, grantId, dpopJkt);
    }

    /** The sealed successor of a retired token, claimed once for a retry within the grace window. */
    public Optional<String> claimGraceRetry(Handle handle, UUID refreshId) {
        return tokens.claimGraceRetry(handle, refreshId);
    }

    /**
     * Revokes every grant the user approved and every access token acting as them, and spends every
     * code they approved that was not redeemed yet; their apps hear of it.
     */
    public void revokeAllOfUser(Handle handle, UUID userId) {
        Instant now = clock.instant();
        var parties = tokens.partiesHolding(handle, new TokenListing.Filter(null, userId, null), now);
        tokens.revokeAllOfUser(handle, userId, now);
        cache.forgetAfterCommit(handle);
        tokens.expireUnusedCodes(handle, null, userId, null, null, now);
        tell(handle, parties, "user_revoked");
    }

    /**
     * Revokes what the app holds under one consent of the user: its grants, their access tokens, and
     * the codes issued under it that were not redeemed yet.
     */
    public void revokeUnderConsent(Handle handle, UUID userId, String clientId, UUID organizationId, String actor) {
        Instant now = clock.instant();
        tokens.revokeUnderConsent(handle, userId, clientId, organizationId, actor, now);
        cache.forgetAfterCommit(handle);
        tokens.expireCodesUnderConsent(handle, userId, clientId, organizationId, actor, now);
        events.tokensRevoked(handle, clientId, organizationId, ActorMode.SELF.is(actor) ? userId : null, "consent_revoked");
    }

    /**
     * Revokes every grant and access token of the user acting as themselves in the organization, and
     * spends every code they approved there (either actor: without the membership it is void).
     */
    public void revokeUserInOrganization(Handle handle, UUID userId, UUID organizationId) {
        Instant now = clock.instant();
        tokens.revokeUserInOrganization(handle, userId, organizationId, now);
        cache.forgetAfterCommit(handle);
        tokens.expireUnusedCodes(handle, null, userId, organizationId, null, now);
    }

    /** Revokes every grant and access token of the app in the organization, whatever the actor. */
    public void revokeAppInOrganization(Handle handle, String clientId, UUID organizationId) {
        Instant now = clock.instant();
        tokens.settleAppInOrganization(handle, clientId, organizationId, now);
        tokens.revokeMatching(handle, new TokenListing.Filter(clientId, null, organizationId), now);
        cache.forgetAfterCommit(handle);
    }

    /**
     * For a change that ends tokens or alters what they say without revoking them here (an owner
     * disabled, renamed or deleted, an app deleted): this node forgets its cached tokens, now and
     * when {@code handle}'s transaction commits. The database tells the other nodes.
     */
    public void forgetCached(Handle handle) {
        cache.forgetAfterCommit(handle);
    }

    public void revokeGrant(Handle handle, UUID grantId) {
        tokens.revokeGrant(handle, grantId, clock.instant());
        cache.forgetAfterCommit(handle);
    }

    /**
     * The access token behind {@code value} when it is well-formed, known, unrevoked, unexpired and
     * its user still enabled; empty otherwise. One database read, none for a bad checksum.
     */
    public Optional<TokenRepository.FoundAccess> findActiveAccessToken(String value) {
        if (!isWellFormedAccessToken(value)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return cache.get(TokenCodec.hash(value), hash -> database.withHandle(handle -> tokens.findAccessToken(handle, hash)))
                .filter(found -> found.token().isActive(now) && !found.owner().disabled());
    }

    /** What the caller resolution needs of a live access token. */
    @Override
    public Optional<Credentials.BearerFacts> findActive(String value) {
        return findActiveAccessToken(value).map(found -> {
            AccessToken token = found.token();
            return new Credentials.BearerFacts(token.id(), token.clientId(), token.userId(), found.owner().username(),
                    found.owner().roles(), token.scope(), token.organizationId(), token.actor(), token.grantType(),
                    token.singlePerInstallation(), token.dpopJkt(), token.audience());
        });
    }

    /** The refresh token behind {@code value} when it can still be used; empty otherwise. */
    public Optional<TokenRepository.FoundRefresh> findActiveRefreshToken(String value) {
        if (!codec.isWellFormed(TokenKind.REFRESH_TOKEN, value)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return database.withHandle(handle -> tokens.findRefreshToken(handle, TokenCodec.hash(value)))
                .filter(found -> found.token().revokedAt() == null && found.grant().revokedAt() == null
                        && found.token().rotatedAt() == null && !found.token().isExpired(now) && !found.ownerDisabled());
    }

    /**
     * RFC 7009 revocation on behalf of {@code clientId}: an access token is revoked alone; a refresh
     * token takes its whole grant with it. Unknown and foreign tokens are left alone, silently.
     */
    public void revoke(String clientId, String value, String hint) {
        TokenKind kind = kindOf(value);
        if (kind == TokenKind.ACCESS_TOKEN ? !isWellFormedAccessToken(value)
                : kind != TokenKind.REFRESH_TOKEN || !codec.isWellFormed(kind, value)) {
            return;
        }
        byte[] hash = TokenCodec.hash(value);
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            boolean revoked = false;
            if (kind == TokenKind.ACCESS_TOKEN) {
                revoked = tokens.revokeAccessToken(handle, hash, clientId, now);
            } else {
                var found = tokens.findRefreshToken(handle, hash);
                if (found.isPresent() && found.get().token().clientId().equals(clientId)) {
                    revoked = tokens.revokeGrant(handle, found.get().token().grantId(), now) > 0;
                }
            }
            if (revoked) {
                cache.forgetAfterCommit(handle);
                audit.record(handle, Actor.client(clientId), AuditLog.Event.of("token.revoked").client(clientId)
                        .details(Map.of("token_type", kind == TokenKind.ACCESS_TOKEN ? "access_token" : "refresh_token")));
            }
            return revoked;
        });
    }

    public TokenCodec codec() {
        return codec;
    }

    /** Which kind {@code value} claims to be: a JWT is an access token; otherwise by its prefix, or null. */
    public TokenKind kindOf(String value) {
        return isJwtShaped(value) ? TokenKind.ACCESS_TOKEN : codec.kindOf(value);
    }

    /** A well-formed opaque access token (checksum included) or something shaped like a JWT. */
    private boolean isWellFormedAccessToken(String value) {
        return codec.isWellFormed(TokenKind.ACCESS_TOKEN, value) || isJwtShaped(value);
    }

    static boolean isJwtShaped(String value) {
        // A dot before the regex: opaque tokens have none, and the regex was a tenth of an introspection.
        return value != null && value.length() <= MAX_JWT_LENGTH && value.indexOf('.') > 0
                && JWT_SHAPE.matcher(value).matches();
    }
}
