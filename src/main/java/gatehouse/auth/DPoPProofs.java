package gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.AccessTokenValidationException;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.dpop.verifiers.InvalidDPoPProofException;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;
import com.nimbusds.oauth2.sdk.util.singleuse.SingleUseChecker;
import com.nimbusds.openid.connect.sdk.Nonce;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.store.Database;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * DPoP proofs (RFC 9449), checked by Nimbus' verifiers: at the token endpoint a proof names the key
 * the tokens are bound to ({@link #tokenRequestKey}); at Gatehouse's own resources (the management
 * API, UserInfo, token info) a bound token is accepted only as {@code Authorization: DPoP} with a
 * proof by its key over this request and this token ({@link #requireBinding}). Each proof is checked
 * for its signature by the key in its header, {@code typ: dpop+jwt}, {@code htm}, {@code htu} (the
 * issuer's URL of the path), {@code iat} within a minute, {@code ath} at resources, and is accepted
 * once: its {@code jti} is kept (hashed with the app's ID) until its minute has passed, in PostgreSQL,
 * so a proof replayed at another node is refused too.
 *
 * <p>Nonces (RFC 9449 §8): when required, the token endpoint accepts only a proof carrying a nonce
 * of the last two five-minute windows, and answers {@code use_dpop_nonce} with a fresh one in
 * {@code DPoP-Nonce} otherwise. A nonce is an HMAC of its window under a key derived from the
 * encryption key, so every node makes and accepts the same ones with nothing stored.
 */
public final class DPoPProofs {
    /** The algorithms a proof may be signed with (metadata: dpop_signing_alg_values_supported). */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256,
            JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    /** How far a proof's iat may be from now. */
    static final long MAX_SKEW_SECONDS = 60;
    private static final long NONCE_WINDOW_SECONDS = 300;
    private static final String CHALLENGE = "DPoP algs=\"ES256 ES384 ES512 RS256 RS384 RS512 PS256 PS384 PS512\"";

    private final String issuer;
    private final Database database;
    private final byte[] nonceKey;
    private final boolean requireNonce;
    private final Clock clock;

    /**
     * @param nonceKey     the secret nonces are made with, the same on every node
     * @param requireNonce whether the token endpoint insists on a nonce (GATEHOUSE_DPOP_REQUIRE_NONCE)
     */
    public DPoPProofs(String issuer, Database database, byte[] nonceKey, boolean requireNonce, Clock clock) {
        this.issuer = issuer;
        this.database = database;
        this.nonceKey = nonceKey.clone();
        this.requireNonce = requireNonce;
        this.clock = clock;
    }

    /** The nonce a client should put in its next proof (sent as DPoP-Nonce). */
    public String currentNonce() {
        return nonceFor(clock.instant().getEpochSecond() / NONCE_WINDOW_SECONDS);
    }

    /**
     * The JWK thumbprint of the key a token request's proof was signed with, or null when the
     * request has no {@code DPoP} header. {@code path} is the path the request was posted to.
     *
     * @throws OAuthException invalid_dpop_proof, or use_dpop_nonce when a nonce is required and missing or stale
     */
    public String tokenRequestKey(List<String> proofHeaders, String path) {
        SignedJWT proof = single(proofHeaders, OAuthError.INVALID_DPOP_PROOF);
        if (proof == null) {
            return null;
        }
        String claimed = claimedNonce(proof, OAuthError.INVALID_DPOP_PROOF);
        Nonce nonce = claimed != null && isCurrent(claimed) ? new Nonce(claimed) : null;
        if (nonce == null && (requireNonce || claimed != null)) {
            throw OAuthException.of(OAuthError.USE_DPOP_NONCE, "use the nonce in the DPoP-Nonce header in the proof");
        }
        var verifier = new DPoPTokenRequestVerifier(ALGORITHMS, URI.create(issuer + path), MAX_SKEW_SECONDS,
                new SeenProofs());
        try {
            return verifier.verify(new DPoPIssuer(thumbprint(proof, OAuthError.INVALID_DPOP_PROOF)), proof, nonce)
                    .getValue().toString();
        } catch (InvalidDPoPProofException | JOSEException e) {
            throw OAuthException.of(OAuthError.INVALID_DPOP_PROOF, "the DPoP proof is invalid: " + reason(e));
        }
    }

    /** How an access token was presented: its value, and whether with the DPoP scheme. */
    public record Presented(String value, boolean dpop) {
    }

    /**
     * The access token of an {@code Authorization: Bearer …} or {@code Authorization: DPoP …} header
     * (RFC 6750 §2.1, RFC 9449 §7.1).
     */
    public static Presented presented(String authorization) {
        if (authorization == null) {
            throw OAuthException.of(OAuthError.UNAUTHENTICATED, "an access token is required")
                    .withChallenge("Bearer realm=\"gatehouse\", " + CHALLENGE);
        }
        boolean dpop = authorization.regionMatches(true, 0, "DPoP ", 0, 5);
        if (!dpop && !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw OAuthException.invalidToken("not a Bearer or DPoP Authorization header");
        }
        String value = authorization.substring(dpop ? 5 : 7).trim();
        if (value.isEmpty()) {
            throw OAuthException.invalidToken("the Authorization header carries no token");
        }
        return new Presented(value, dpop);
    }

    /** 401 for a token that is unknown, expired or revoked, challenged in the scheme it came in. */
    public static OAuthException unknownToken(Presented presented) {
        OAuthException refused = OAuthException.invalidToken("unknown, expired or revoked token");
        return presented.dpop() ? refused.withChallenge(CHALLENGE + ", error=\"invalid_token\"") : refused;
    }

    /**
     * Checks that a token was presented as its binding requires: a bearer token with
     * {@code Bearer}; a token bound to {@code boundJkt} with {@code DPoP} and one proof, by that key,
     * over {@code method} and {@code path}, naming this token ({@code ath}). A proof may carry the
     * token endpoint's nonce (clients keep one per origin); a stale one is answered
     * {@code use_dpop_nonce} with a fresh one.
     */
    public void requireBinding(Presented presented, String boundJkt, List<String> proofHeaders, String method,
                               String path) {
        if (boundJkt == null) {
            if (presented.dpop()) {
                throw OAuthException.invalidToken("this token is not bound to a DPoP key: present it as a Bearer token")
                        .withChallenge(CHALLENGE + ", error=\"invalid_token\"");
            }
            return;
        }
        if (!presented.dpop()) {
            throw OAuthException.of(OAuthError.INVALID_TOKEN,
                            "this token is bound to a DPoP key: present it with Authorization: DPoP and a proof")
                    .withChallenge(CHALLENGE + ", error=\"invalid_token\"");
        }
        SignedJWT proof = single(proofHeaders, OAuthError.RESOURCE_INVALID_DPOP_PROOF);
        if (proof == null) {
            throw resourceProofRefused("a DPoP proof is required with this token");
        }
        String claimed = claimedNonce(proof, OAuthError.RESOURCE_INVALID_DPOP_PROOF);
        if (claimed != null && !isCurrent(claimed)) {
            throw OAuthException.of(OAuthError.RESOURCE_USE_DPOP_NONCE, "use the nonce in the DPoP-Nonce header in the proof")
                    .withChallenge(CHALLENGE + ", error=\"use_dpop_nonce\"").withDPoPNonce(currentNonce());
        }
        var verifier = new DPoPProtectedResourceRequestVerifier(ALGORITHMS, MAX_SKEW_SECONDS, new SeenProofs());
        try {
            verifier.verify(method, URI.create(issuer + path),
                    new DPoPIssuer(thumbprint(proof, OAuthError.RESOURCE_INVALID_DPOP_PROOF)), proof,
                    new DPoPAccessToken(presented.value()), new JWKThumbprintConfirmation(new Base64URL(boundJkt)),
                    claimed == null ? null : new Nonce(claimed));
        } catch (AccessTokenValidationException e) {
            throw resourceProofRefused("the DPoP proof names another token (ath) or was not made with the key this"
                    + " token is bound to");
        } catch (InvalidDPoPProofException | JOSEException e) {
            throw resourceProofRefused("the DPoP proof is invalid: " + reason(e));
        }
    }

    private static OAuthException resourceProofRefused(String description) {
        return OAuthException.of(OAuthError.RESOURCE_INVALID_DPOP_PROOF, description)
                .withChallenge(CHALLENGE + ", error=\"invalid_dpop_proof\"");
    }

    /**
     * The one proof of the request, parsed; null without one. An RSA key in its header must be 2048
     * to 4096 bits with the exponent 65537: a caller-chosen huge key would make verifying it costly.
     */
    private static SignedJWT single(List<String> headers, OAuthError error) {
        if (headers == null || headers.isEmpty()) {
            return null;
        }
        if (headers.size() > 1) {
            throw OAuthException.of(error, "send one DPoP header, not " + headers.size());
        }
        SignedJWT proof;
        try {
            proof = SignedJWT.parse(headers.getFirst().trim());
        } catch (ParseException | RuntimeException e) {
            throw OAuthException.of(error, "the DPoP header is not a signed JWT");
        }
        if (proof.getHeader().getJWK() instanceof RSAKey rsa) {
            int bits = rsa.getModulus().decodeToBigInteger().bitLength();
            if (bits < 2048 || bits > 4096 || !BigInteger.valueOf(65537).equals(rsa.getPublicExponent().decodeToBigInteger())) {
                throw OAuthException.of(error, "an RSA proof key must be 2048 to 4096 bits with the exponent 65537");
            }
        }
        return proof;
    }

    /** The nonce the proof carries, or null. */
    private static String claimedNonce(SignedJWT proof, OAuthError error) {
        try {
            return proof.getJWTClaimsSet().getStringClaim("nonce");
        } catch (ParseException e) {
            throw OAuthException.of(error, "the DPoP proof's claims cannot be read");
        }
    }

    /**
     * The thumbprint of the key in the proof's header, under which its jti is remembered (RFC 9449
     * §11.1: a jti is unique per key).
     */
    private static String thumbprint(SignedJWT proof, OAuthError error) {
        JWK key = proof.getHeader().getJWK();
        if (key == null) {
            throw OAuthException.of(error, "the DPoP proof has no jwk header");
        }
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw OAuthException.of(error, "the DPoP proof's key has no thumbprint");
        }
    }

    private boolean isCurrent(String nonce) {
        long window = clock.instant().getEpochSecond() / NONCE_WINDOW_SECONDS;
        byte[] presented = nonce.getBytes(StandardCharsets.US_ASCII);
        // Both compared, constant-time: which window matched is nobody's business.
        boolean current = MessageDigest.isEqual(presented, nonceFor(window).getBytes(StandardCharsets.US_ASCII));
        boolean previous = MessageDigest.isEqual(presented, nonceFor(window - 1).getBytes(StandardCharsets.US_ASCII));
        return current | previous;
    }

    private String nonceFor(long window) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(nonceKey, "HmacSHA256"));
            return Base64URL.encode(mac.doFinal(Long.toString(window).getBytes(StandardCharsets.US_ASCII))).toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** Nimbus' messages name the failed check; they never contain key material. */
    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null ? "rejected" : message.length() > 200 ? message.substring(0, 200) : message;
    }

    /** Proofs seen, by SHA-256 of (key thumbprint, jti), kept past their acceptance window (then purged). */
    private final class SeenProofs implements SingleUseChecker<Map.Entry<DPoPIssuer, JWTID>> {
        @Override
        public void markAsUsed(Map.Entry<DPoPIssuer, JWTID> use) throws AlreadyUsedException {
            byte[] hash = TokenCodec.hash(use.getKey().getValue() + "\u0000" + use.getValue().getValue());
            Instant keepUntil = clock.instant().plusSeconds(2 * MAX_SKEW_SECONDS + 1);
            int inserted = database.withHandle(handle -> handle.createUpdate("""
                            INSERT INTO dpop_proofs (proof_hash, expires_at) VALUES (:hash, :until)
                            ON CONFLICT (proof_hash) DO NOTHING""")
                    .bind("hash", hash)
                    .bind("until", keepUntil)
                    .execute());
            if (inserted == 0) {
                throw new AlreadyUsedException("this DPoP proof was used already");
            }
        }
    }
}
