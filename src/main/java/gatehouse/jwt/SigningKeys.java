package gatehouse.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.auth.Caller;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.web.Json;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys that sign JWT access tokens: one current key per algorithm, made on first need, kept in
 * the database with its private part encrypted. Each node keeps the current key's signer in memory
 * (no decryption per token) and checks every few seconds whether another node rotated it.
 */
public final class SigningKeys {
    private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
    public static final String DEFAULT_ALG = "ES256";
    /** How stale a node's idea of the current key may get after another node rotated it. */
    static final Duration RECHECK = Duration.ofSeconds(5);
    /**
     * The longest an ID token lives. ID tokens are not stored (unlike JWT access tokens, whose rows
     * keep their key published), so a retired key stays published this long after retirement.
     */
    public static final Duration MAX_ID_TOKEN_LIFETIME = Duration.ofHours(1);
    /** How long a JWKS answer is reused; short, so a key another node just made is soon published. */
    static final Duration JWKS_CACHE = Duration.ofSeconds(2);

    private final Database database;
    private final SigningKeyRepository keys;
    private final Encryption encryption;
    private final AuditLog audit;
    private final Clock clock;
    private final Map<String, CurrentKey> current = new ConcurrentHashMap<>();
    private volatile CachedJwks jwks;

    /** A current key ready to sign, and when this node last confirmed it is still current. */
    record CurrentKey(UUID id, JWSAlgorithm alg, JWSSigner signer, Instant checkedAt) {
        CurrentKey checked(Instant now) {
            return new CurrentKey(id, alg, signer, now);
        }
    }

    private record CachedJwks(String json, Instant at) {
    }

    public SigningKeys(Database database, SigningKeyRepository keys, Encryption encryption, AuditLog audit, Clock clock) {
        this.database = database;
        this.keys = keys;
        this.encryption = encryption;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * The current key of {@code alg}, from memory when checked within {@link #RECHECK}; otherwise
     * re-checked with one small read on {@code handle}, and made (in a transaction of its own, so it
     * exists before any token names it) when there is none yet.
     */
    CurrentKey currentKey(Handle handle, String alg) {
        Instant now = clock.instant();
        CurrentKey known = current.get(alg);
        if (known != null && now.isBefore(known.checkedAt().plus(RECHECK))) {
            return known;
        }
        var id = keys.currentId(handle, alg);
        CurrentKey fresh;
        if (known != null && id.isPresent() && id.get().equals(known.id())) {
            fresh = known.checked(now);
        } else if (id.isPresent()) {
            fresh = keys.current(handle, alg).map(row -> load(row, now)).orElseGet(() -> createIfNone(alg));
        } else {
            fresh = createIfNone(alg);
        }
        current.put(alg, fresh);
        return fresh;
    }

    /** A signed JWT, compact, and the ID of the key that signed it. */
    public record Signed(String jwt, UUID keyId) {
    }

    /**
     * {@code claims} as a JWT signed with the current key of {@code alg}, its header naming the key
     * ({@code kid}) and {@code type} ({@code typ}). {@code handle} serves the key's periodic re-check
     * (see {@link #currentKey}), so a caller in a transaction needs no second connection.
     */
    public Signed sign(Handle handle, String alg, JOSEObjectType type, JWTClaimsSet claims) {
        CurrentKey key = currentKey(handle, alg);
        var jwt = new SignedJWT(new JWSHeader.Builder(key.alg()).type(type).keyID(key.id().toString()).build(), claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with key " + key.id(), e);
        }
        return new Signed(jwt.serialize(), key.id());
    }

    /**
     * Makes the first key of each algorithm at startup, if there is none: otherwise the first JWT
     * of an algorithm would make it on a second pooled connection while its own transaction holds
     * one, which under load can wait on an exhausted pool.
     */
    public void ensureCurrentKeys() {
        for (String alg : List.of(DEFAULT_ALG, "RS256")) {
            if (database.withHandle(handle -> keys.currentId(handle, alg)).isEmpty()) {
                createIfNone(alg);
            }
        }
    }

    /** The JWKS document: public parts of every key a verifier may still meet. */
    public String jwks() {
        Instant now = clock.instant();
        CachedJwks cached = jwks;
        if (cached != null && now.isBefore(cached.at().plus(JWKS_CACHE))) {
            return cached.json();
        }
        List<SigningKey> published = database.withHandle(handle -> keys.published(handle, now, MAX_ID_TOKEN_LIFETIME));
        List<Map<String, Object>> jwkObjects = new ArrayList<>();
        for (SigningKey key : published) {
            jwkObjects.add(parse(key.publicJwk()).toPublicJWK().toJSONObject());
        }
        String json = Json.writeString(Map.of("keys", jwkObjects));
        jwks = new CachedJwks(json, now);
        return json;
    }

    /**
     * The claims of {@code compact} when it is a JWT (header {@code typ} absent or {@code JWT}) signed
     * by a key this server still publishes; empty when it is not — unparseable, an unknown key, a bad
     * signature, or another kind of token (an {@code at+jwt} access token). Neither its issuer nor its
     * expiry is checked: the caller knows what it needs (an OpenID Connect {@code id_token_hint} may
     * have expired).
     */
    public Optional<JWTClaimsSet> verifiedClaims(String compact) {
        try {
            var processor = new DefaultJWTProcessor<SecurityContext>();
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256),
                    new ImmutableJWKSet<>(JWKSet.parse(jwks()))));
            processor.setJWTClaimsSetVerifier((claims, context) -> { });
            return Optional.of(processor.process(compact, null));
        } catch (ParseException | BadJOSEException | JOSEException e) {
            return Optional.empty();
        }
    }

    /** Every key, newest first, as the admin API shows them. */
    public List<SigningKey> all() {
        return database.withHandle(keys::all);
    }

    /**
     * Retires the current keys and makes a new one for each of their algorithms (and ES256 in any
     * case), audited as {@code signing_key.rotated} in the same transaction. Retired keys stay in
     * the JWKS while tokens they signed are unexpired; other nodes switch within {@link #RECHECK}.
     */
    /** The keys, for platform admins (the management API and the console). */
    public List<SigningKey> list(Caller caller) {
        requireAdmin(caller);
        return all();
    }

    /** Rotation by a platform admin. */
    public List<SigningKey> rotate(Caller caller) {
        requireAdmin(caller);
        return rotate(caller.auditActor());
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.isPlatformAdmin()) {
            throw OAuthException.forbidden("only admins may manage signing keys");
        }
    }

    public List<SigningKey> rotate(Actor actor) {
        database.inTransaction(handle -> {
            keys.lock(handle);
            Instant now = clock.instant();
            List<SigningKey> retired = keys.retireCurrent(handle, now);
            Set<String> algs = new LinkedHashSet<>();
            algs.add(DEFAULT_ALG);
            retired.forEach(key -> algs.add(key.alg()));
            List<String> created = new ArrayList<>();
            for (String alg : algs) {
                created.add(insertNew(handle, alg, now).getKeyID());
            }
            var details = new LinkedHashMap<String, Object>();
            details.put("retired", retired.stream().map(SigningKey::kid).toList());
            details.put("created", created);
            audit.record(handle, actor, AuditLog.Event.of("signing_key.rotated").details(details));
            return null;
        });
        // This node switches at once; the next token of each algorithm re-reads its key.
        current.clear();
        jwks = null;
        log.info("signing keys rotated");
        return all();
    }

    private CurrentKey createIfNone(String alg) {
        CurrentKey made = database.inTransaction(handle -> {
            keys.lock(handle);
            var existing = keys.current(handle, alg);
            if (existing.isPresent()) {
                return load(existing.get(), clock.instant());
            }
            JWK jwk = insertNew(handle, alg, clock.instant());
            log.info("created the first {} signing key {}", alg, jwk.getKeyID());
            return new CurrentKey(UUID.fromString(jwk.getKeyID()), JWSAlgorithm.parse(alg), signer(jwk), clock.instant());
        });
        jwks = null;
        return made;
    }

    private JWK insertNew(Handle handle, String alg, Instant now) {
        UUID id = Ids.newId();
        JWK jwk = generate(alg, id.toString());
        String encrypted = encryption.encrypt(jwk.toJSONString().getBytes(StandardCharsets.UTF_8));
        keys.insert(handle, id, alg, jwk.toPublicJWK().toJSONString(), encrypted, now);
        return jwk;
    }

    private CurrentKey load(SigningKeyRepository.Current row, Instant now) {
        JWK jwk = parse(new String(encryption.decrypt(row.privateJwkEncrypted()), StandardCharsets.UTF_8));
        return new CurrentKey(row.id(), JWSAlgorithm.parse(jwk.getAlgorithm().getName()), signer(jwk), now);
    }

    private static JWK generate(String alg, String kid) {
        try {
            return switch (alg) {
                case "ES256" -> new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.ES256).generate();
                case "RS256" -> new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.RS256).generate();
                default -> throw new IllegalArgumentException("unsupported signing algorithm " + alg);
            };
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a " + alg + " key", e);
        }
    }

    private static JWSSigner signer(JWK jwk) {
        try {
            return jwk instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) jwk);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with key " + jwk.getKeyID(), e);
        }
    }

    private static JWK parse(String json) {
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("a stored signing key is not a JWK", e);
        }
    }
}
