package gatehouse.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Ids;
import gatehouse.tokens.AccessToken;
import gatehouse.tokens.RefreshToken;
import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import gatehouse.users.User;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Every store the grants stand on, in memory, for unit tests: what the PostgreSQL stores keep in
 * tables is kept in maps here, with the same rules (a code consumed at once, a disabled user's code
 * refused, one live access token per installation, a grace retry claimed once). The test arranges
 * the world the rules read (users, memberships, consents, installations) through its methods.
 *
 * <p>A unit of work rolls back what it wrote when it throws, as a transaction does: so a grant that
 * threw a refusal instead of returning it ({@link Outcome}) would lose the code it consumed or the
 * family it revoked here too.
 */
final class InMemoryGrantStores implements Transactions, AuthorizationCodes, TokenFamilies, TokenIssuing {
    /** Failed logins after which a username is throttled, as the login throttle would. */
    static final int LOGIN_FAILURES_BEFORE_LOCKOUT = 5;

    private static final Tx TX = new Tx() {
    };

    private final Clock clock;
    private final TokenCodec codec;

    private final Map<UUID, User> users = new HashMap<>();
    private final Map<String, String> passwords = new HashMap<>();
    private final Map<String, Integer> failedLogins = new HashMap<>();
    private boolean requireVerifiedEmail;
    private final Map<List<UUID>, String> roles = new HashMap<>();
    private final Map<List<Object>, List<String>> installations = new HashMap<>();
    private final Map<List<Object>, Set<String>> consents = new HashMap<>();

    /** Codes by the hex of their hash, and whether they were consumed. */
    private record StoredCode(AuthorizationCode code, Instant consumedAt) {
    }

    /** A refresh token as it stands, with the sealed successor kept for a retry within the grace window. */
    private record StoredRefresh(RefreshToken token, String sealedSuccessor) {
    }

    private final Map<String, StoredCode> codes = new HashMap<>();
    private final Map<UUID, TokenGrant> families = new HashMap<>();
    private final Map<String, StoredRefresh> refreshTokens = new HashMap<>();
    private final Map<String, AccessToken> accessTokens = new HashMap<>();
    private final List<String> auditEvents = new ArrayList<>();

    InMemoryGrantStores(Clock clock, TokenCodec codec) {
        this.clock = clock;
        this.codec = codec;
    }

    /** One RSA key for every in-memory world: making one takes a while. */
    static final RSAKey ID_TOKEN_KEY = newIdTokenKey();

    private static RSAKey newIdTokenKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("test-id-token-key").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ID tokens signed with {@link #ID_TOKEN_KEY}, as the signing keys would sign them. */
    IdTokens idTokens() {
        return (tx, alg, claims) -> {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                    .keyID(ID_TOKEN_KEY.getKeyID()).build(), claims);
            try {
                jwt.sign(new RSASSASigner(ID_TOKEN_KEY));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
            return jwt.serialize();
        };
    }

    /** The stores as the grants take them. */
    GrantStores stores() {
        return new GrantStores(this, this, this, this, this::holdActive, this::grantConsent, this::authenticate,
                this::isMember);
    }

    // --- the world the rules read, arranged by the test

    User addUser(String username, String password, boolean emailVerified) {
        Instant now = clock.instant();
        var user = new User(Ids.newId(), username, "(in memory)", username, List.of(User.ROLE_USER), emailVerified,
                false, now, now);
        users.put(user.id(), user);
        passwords.put(username, password);
        return user;
    }

    void disable(UUID userId) {
        User user = users.get(userId);
        users.put(userId, new User(user.id(), user.username(), user.passwordHash(), user.name(), user.roles(),
                user.emailVerified(), true, user.createdAt(), clock.instant()));
    }

    void requireVerifiedEmail() {
        this.requireVerifiedEmail = true;
    }

    void addMember(UUID organizationId, UUID userId, String role) {
        roles.put(List.of(organizationId, userId), role);
    }

    void removeMember(UUID organizationId, UUID userId) {
        roles.remove(List.of(organizationId, userId));
    }

    void install(String clientId, UUID organizationId, List<String> scopes) {
        installations.put(List.of(clientId, organizationId), List.copyOf(scopes));
    }

    void uninstall(String clientId, UUID organizationId) {
        installations.remove(List.of(clientId, organizationId));
    }

    /** The user's active consents: (app, organization, actor) → scopes. */
    Set<String> consent(UUID userId, String clientId, UUID organizationId, String actor) {
        return consents.getOrDefault(consentKey(userId, clientId, organizationId, actor), Set.of());
    }

    boolean hasConsent(UUID userId, String clientId, UUID organizationId, String actor) {
        return consents.containsKey(consentKey(userId, clientId, organizationId, actor));
    }

    void revokeConsent(UUID userId, String clientId, UUID organizationId, String actor) {
        consents.remove(consentKey(userId, clientId, organizationId, actor));
    }

    // --- what the test reads back

    /** The access token behind the value while it is unrevoked, unexpired and its user not disabled. */
    Optional<AccessToken> activeAccessToken(String value) {
        AccessToken token = accessTokens.get(key(TokenCodec.hash(value)));
        if (token == null || !token.isActive(clock.instant())
                || (token.userId() != null && users.get(token.userId()).disabled())) {
            return Optional.empty();
        }
        return Optional.of(token);
    }

    Optional<TokenGrant> family(UUID grantId) {
        return Optional.ofNullable(families.get(grantId));
    }

    List<String> auditEvents() {
        return List.copyOf(auditEvents);
    }

    // --- Transactions

    @Override
    public <T> T inTransaction(Function<Tx, T> work) {
        Snapshot before = new Snapshot(Map.copyOf(consents), Map.copyOf(codes), Map.copyOf(families),
                Map.copyOf(refreshTokens), Map.copyOf(accessTokens), List.copyOf(auditEvents));
        try {
            return work.apply(TX);
        } catch (RuntimeException e) {
            before.restoreInto(this);
            throw e;
        }
    }

    /** What a unit of work may write (every value immutable, so copies of the maps suffice). */
    private record Snapshot(Map<List<Object>, Set<String>> consents, Map<String, StoredCode> codes,
                            Map<UUID, TokenGrant> families, Map<String, StoredRefresh> refreshTokens,
                            Map<String, AccessToken> accessTokens, List<String> auditEvents) {

        void restoreInto(InMemoryGrantStores stores) {
            replace(stores.consents, consents);
            replace(stores.codes, codes);
            replace(stores.families, families);
            replace(stores.refreshTokens, refreshTokens);
            replace(stores.accessTokens, accessTokens);
            stores.auditEvents.clear();
            stores.auditEvents.addAll(auditEvents);
        }

        private static <K, V> void replace(Map<K, V> table, Map<K, V> before) {
            table.clear();
            table.putAll(before);
        }
    }


    // --- AuthorizationCodes

    @Override
    public void insert(Tx tx, AuthorizationCode code, byte[] hash) {
        codes.put(key(hash), new StoredCode(code, null));
    }

    @Override
    public Optional<Redeemed> consume(Tx tx, byte[] hash, String clientId, Instant now) {
        StoredCode stored = codes.get(key(hash));
        if (stored == null || !stored.code().clientId().equals(clientId) || stored.consumedAt() != null
                || users.get(stored.code().userId()).disabled()) {
            return Optional.empty();
        }
        codes.put(key(hash), new StoredCode(stored.code(), now));
        AuthorizationCode code = stored.code();
        return Optional.of(new Redeemed(code, stillMember(code), consentCovers(code),
                users.get(code.userId()).emailVerified()));
    }

    /** Actor self needs any membership of the code's organization; actor app an owner's or admin's. */
    private boolean stillMember(AuthorizationCode code) {
        if (code.organizationId() == null) {
            return true;
        }
        String role = roles.get(List.of(code.organizationId(), code.userId()));
        return role != null && ("self".equals(code.actor()) || "owner".equals(role) || "admin".equals(role));
    }

    private boolean consentCovers(AuthorizationCode code) {
        var key = consentKey(code.userId(), code.clientId(), code.organizationId(), code.actor());
        return consents.containsKey(key)
                && consents.get(key).containsAll(words(code.scope()));
    }

    @Override
    public Optional<AuthorizationCode> find(Tx tx, byte[] hash) {
        return Optional.ofNullable(codes.get(key(hash))).map(StoredCode::code);
    }

    // --- TokenFamilies

    @Override
    public Optional<Found> lockRefreshToken(Tx tx, byte[] hash) {
        StoredRefresh stored = refreshTokens.get(key(hash));
        if (stored == null) {
            return Optional.empty();
        }
        TokenGrant family = families.get(stored.token().grantId());
        User owner = family.userId() == null ? null : users.get(family.userId());
        return Optional.of(new Found(stored.token(), family, owner != null && owner.disabled(),
                owner != null && owner.emailVerified()));
    }

    @Override
    public void bindKey(Tx tx, UUID grantId, String dpopJkt) {
        families.computeIfPresent(grantId, (id, family) -> family.dpopJkt() != null ? family
                : new TokenGrant(family.id(), family.clientId(), family.userId(), family.organizationId(), family.actor(),
                        family.scope(), family.grantType(), family.createdAt(), family.revokedAt(), dpopJkt));
    }

    @Override
    public Optional<String> claimGraceRetry(Tx tx, UUID refreshId) {
        StoredRefresh stored = refreshTokens.values().stream()
                .filter(candidate -> candidate.token().id().equals(refreshId)).findFirst().orElseThrow();
        boolean successorRotated = refreshTokens.values().stream()
                .anyMatch(child -> refreshId.equals(child.token().parentId()) && child.token().rotatedAt() != null);
        if (stored.token().graceUsed() || stored.sealedSuccessor() == null || successorRotated) {
            return Optional.empty();
        }
        updateRefresh(refreshId, current -> new StoredRefresh(with(current.token(), current.token().rotatedAt(), true,
                current.token().revokedAt()), null));
        return Optional.of(stored.sealedSuccessor());
    }

    @Override
    public void revoke(Tx tx, UUID grantId) {
        Instant now = clock.instant();
        refreshTokens.replaceAll((hash, stored) -> stored.token().grantId().equals(grantId)
                && stored.token().revokedAt() == null
                ? new StoredRefresh(with(stored.token(), stored.token().rotatedAt(), stored.token().graceUsed(), now),
                        stored.sealedSuccessor())
                : stored);
        revokeAccessTokens(tx, grantId, now);
        families.computeIfPresent(grantId, (id, family) -> family.revokedAt() != null ? family
                : new TokenGrant(family.id(), family.clientId(), family.userId(), family.organizationId(),
                        family.actor(), family.scope(), family.grantType(), family.createdAt(), now, family.dpopJkt()));
    }

    @Override
    public void revokeOnReuse(Tx tx, String clientId, TokenGrant grant) {
        revoke(tx, grant.id());
        auditEvents.add("token.reuse_detected " + clientId + " " + grant.id());
    }

    private void revokeAccessTokens(Tx tx, UUID grantId, Instant now) {
        accessTokens.replaceAll((hash, token) -> grantId.equals(token.grantId()) && token.revokedAt() == null
                ? revoked(token, now) : token);
    }

    // --- TokenIssuing

    /** Step by step what PostgreSQL stores in one statement: the same rows, in the same unit of work. */
    @Override
    public TokenService.Issued store(Tx tx, TokenService.Exchange exchange) {
        if (exchange.newFamily() != null && families.putIfAbsent(exchange.newFamily().id(), exchange.newFamily()) != null) {
            throw new IllegalStateException("family " + exchange.newFamily().id() + " exists");
        }
        var retired = exchange.retired();
        if (retired != null) {
            updateRefresh(retired.refreshId(), stored -> new StoredRefresh(with(stored.token(), retired.at(),
                    stored.token().graceUsed(), stored.token().revokedAt()), retired.sealedSuccessor()));
        }
        if (exchange.refresh() != null) {
            refreshTokens.put(key(TokenCodec.hash(exchange.refresh().value())),
                    new StoredRefresh(exchange.refresh().token(), null));
        }
        if (exchange.replacesFamilyTokens()) {
            revokeAccessTokens(tx, exchange.access().grantId(), clock.instant());
        }
        return issueAccessToken(tx, exchange.access());
    }

    @Override
    public TokenService.NewRefresh newRefreshToken(UUID grantId, UUID parentId, String clientId, String scope,
                                                   Instant expiresAt) {
        return new TokenService.NewRefresh(codec.generate(TokenKind.REFRESH_TOKEN), new RefreshToken(Ids.newId(),
                grantId, parentId, clientId, scope, clock.instant(), expiresAt, null, false, null));
    }

    @Override
    public TokenService.Issued issueServiceToken(TokenService.AccessSpec spec) {
        return issueAccessToken(TX, spec);
    }

    /** Opaque tokens only: how a JWT is signed is not a grant's rule. */
    @Override
    public TokenService.Issued issueAccessToken(Tx tx, TokenService.AccessSpec spec) {
        Instant now = clock.instant();
        if (spec.singlePerInstallation()) {
            accessTokens.replaceAll((hash, token) -> token.singlePerInstallation() && token.revokedAt() == null
                    && token.clientId().equals(spec.clientId())
                    && Objects.equals(token.organizationId(), spec.organizationId())
                    && token.actor().equals(spec.actor()) && Objects.equals(token.userId(), spec.userId())
                    ? revoked(token, now) : token);
        }
        var token = new AccessToken(Ids.newId(), spec.clientId(), spec.userId(), spec.organizationId(), spec.actor(),
                spec.scope(), spec.grantId(), spec.grantType(), spec.singlePerInstallation(), now,
                now.plusSeconds(spec.ttlSeconds()), null, spec.dpopJkt());
        String value = codec.generate(TokenKind.ACCESS_TOKEN);
        accessTokens.put(key(TokenCodec.hash(value)), token);
        return new TokenService.Issued(value, token);
    }

    // --- InstallationCheck, ConsentRecording, PasswordCheck, OrgMembership

    private Optional<List<String>> holdActive(Tx tx, String clientId, UUID organizationId) {
        return Optional.ofNullable(installations.get(List.of(clientId, organizationId)));
    }

    private void grantConsent(Tx tx, UUID userId, String clientId, UUID organizationId, String actor,
                              Collection<String> scopes) {
        consents.merge(consentKey(userId, clientId, organizationId, actor), new LinkedHashSet<>(scopes),
                (current, added) -> {
                    var widened = new LinkedHashSet<>(current);
                    widened.addAll(added);
                    return widened;
                });
    }

    /** As the login rules: throttled after repeated failures, refused when disabled, verified email if required. */
    private Optional<User> authenticate(String username, String password) {
        if (failedLogins.getOrDefault(username, 0) >= LOGIN_FAILURES_BEFORE_LOCKOUT) {
            throw OAuthException.rateLimited("too many failed logins; try again later", 60);
        }
        Optional<User> user = users.values().stream().filter(candidate -> candidate.username().equals(username))
                .findFirst();
        if (user.isEmpty() || !password.equals(passwords.get(username)) || user.get().disabled()) {
            failedLogins.merge(username, 1, Integer::sum);
            return Optional.empty();
        }
        if (requireVerifiedEmail && !user.get().emailVerified()) {
            throw OAuthException.forbidden("verify your email address before signing in");
        }
        return user;
    }

    private boolean isMember(UUID organizationId, UUID userId) {
        return roles.containsKey(List.of(organizationId, userId));
    }

    // ---

    private void updateRefresh(UUID refreshId, UnaryOperator<StoredRefresh> change) {
        refreshTokens.replaceAll((hash, stored) -> stored.token().id().equals(refreshId) ? change.apply(stored) : stored);
    }

    private static RefreshToken with(RefreshToken token, Instant rotatedAt, boolean graceUsed, Instant revokedAt) {
        return new RefreshToken(token.id(), token.grantId(), token.parentId(), token.clientId(), token.scope(),
                token.createdAt(), token.expiresAt(), rotatedAt, graceUsed, revokedAt);
    }

    private static AccessToken revoked(AccessToken token, Instant now) {
        return new AccessToken(token.id(), token.clientId(), token.userId(), token.organizationId(), token.actor(),
                token.scope(), token.grantId(), token.grantType(), token.singlePerInstallation(), token.createdAt(),
                token.expiresAt(), now, token.dpopJkt());
    }

    private static List<Object> consentKey(UUID userId, String clientId, UUID organizationId, String actor) {
        return Arrays.asList(userId, clientId, organizationId, actor);
    }

    private static String key(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** A stored space-separated scope as its words (the empty scope has none). */
    private static List<String> words(String scope) {
        return scope.isEmpty() ? List.of() : List.of(scope.split(" "));
    }
}
