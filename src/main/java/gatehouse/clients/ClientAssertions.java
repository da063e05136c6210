package gatehouse.clients;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretJWT;
import com.nimbusds.oauth2.sdk.auth.JWTAuthentication;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.auth.verifier.ClientAuthenticationVerifier;
import com.nimbusds.oauth2.sdk.auth.verifier.ClientCredentialsSelector;
import com.nimbusds.oauth2.sdk.auth.verifier.Context;
import com.nimbusds.oauth2.sdk.auth.verifier.Hint;
import com.nimbusds.oauth2.sdk.auth.verifier.InvalidClientException;
import com.nimbusds.oauth2.sdk.auth.verifier.JWTAudienceCheck;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.store.Database;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client authentication with a signed JWT (RFC 7523 §2.2): {@code private_key_jwt}, checked with
 * the public keys the app registered ({@code jwks}) or publishes ({@code jwks_uri}, fetched under
 * the webhook rules and kept five minutes; an unknown {@code kid} fetches again, at most every 30
 * seconds), and {@code client_secret_jwt}, an HMAC with the app's sealed secret. Nimbus' verifier
 * checks the signature, {@code iss} = {@code sub} = the client ID, {@code exp}, and {@code aud}: the
 * issuer or the URL of one of Gatehouse's OAuth endpoints. An assertion may live ten minutes at
 * most, and is accepted once: its {@code jti} (hashed with the app's ID) is kept in PostgreSQL
 * until then, so a replay at another node is refused too.
 */
public final class ClientAssertions {
    static final Duration MAX_LIFETIME = Duration.ofMinutes(10);
    private static final Duration SKEW = Duration.ofSeconds(60);
    private static final Duration KEYS_KEPT = Duration.ofMinutes(5);
    private static final Duration REFETCH_AFTER = Duration.ofSeconds(30);
    /** The endpoints that authenticate apps: an assertion's aud may name any of them, or the issuer. */
    private static final List<String> ENDPOINTS = List.of("/oauth/token", "/api/v1/oauth/tokens", "/oauth/introspect",
            "/api/v1/oauth/introspect", "/oauth/revoke", "/api/v1/oauth/tokens/revoke", "/oauth/par",
            "/oauth/device_authorization");

    private final ClientService clients;
    private final Database database;
    private final Encryption encryption;
    private final JwksSource remote;
    private final Clock clock;
    private final ClientAuthenticationVerifier<Client> verifier;
    private final Map<String, Fetched> fetched = new ConcurrentHashMap<>();

    private record Fetched(JWKSet keys, Instant at) {
    }

    public ClientAssertions(ClientService clients, Database database, Encryption encryption, JwksSource remote,
                            String issuer, Clock clock) {
        this.clients = clients;
        this.database = database;
        this.encryption = encryption;
        this.remote = remote;
        this.clock = clock;
        Set<Audience> audiences = new HashSet<>();
        audiences.add(new Audience(issuer));
        ENDPOINTS.forEach(path -> audiences.add(new Audience(issuer + path)));
        this.verifier = new ClientAuthenticationVerifier<>(new Keys(), audiences, JWTAudienceCheck.LEGACY);
    }

    /**
     * The app a {@code client_assertion} authenticates; {@code clientId} is the {@code client_id}
     * form parameter, if sent, which must name the same app.
     *
     * @throws OAuthException invalid_request for another assertion type, 401 invalid_client otherwise
     */
    public Client authenticate(String assertionType, String assertion, String clientId) {
        if (!JWTAuthentication.CLIENT_ASSERTION_TYPE.equals(assertionType)) {
            throw OAuthException.invalidRequest("client_assertion_type must be " + JWTAuthentication.CLIENT_ASSERTION_TYPE);
        }
        if (assertion == null) {
            throw OAuthException.invalidRequest("client_assertion is required with client_assertion_type");
        }
        JWTAuthentication parsed = parse(assertionType, assertion, clientId);
        Client client = clients.findOptional(parsed.getClientID().getValue())
                .orElseThrow(() -> ClientAuthenticator.failed("unknown client in the assertion"));
        if (!client.tokenEndpointAuthMethod().equals(parsed.getMethod().getValue())) {
            throw ClientAuthenticator.failed("the app is registered for " + client.tokenEndpointAuthMethod()
                    + ", not " + parsed.getMethod().getValue());
        }
        var claims = parsed.getJWTAuthenticationClaimsSet();
        Instant now = clock.instant();
        Instant expires = claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
        if (expires == null || expires.isAfter(now.plus(MAX_LIFETIME))) {
            throw ClientAuthenticator.failed("the assertion must expire within ten minutes");
        }
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(now.plus(SKEW))) {
            throw ClientAuthenticator.failed("the assertion was issued in the future");
        }
        // OpenID Connect Core §9 requires a jti, and without one there is nothing to refuse a replay by.
        if (claims.getJWTID() == null || claims.getJWTID().getValue().length() > 256) {
            throw ClientAuthenticator.failed("the assertion needs a jti (at most 256 characters)");
        }
        // One audience only (the 2025 audience-injection advisories, draft-ietf-oauth-rfc7523bis): a
        // token meant for several servers must not be accepted by each of them.
        if (claims.getAudience().size() != 1) {
            throw ClientAuthenticator.failed("the assertion must name one audience");
        }
        Context<Client> context = new Context<>();
        context.set(client);
        try {
            verifier.verify(parsed, client.authentication().jwksUri() != null ? Set.of(Hint.CLIENT_HAS_REMOTE_JWK_SET)
                    : null, context);
        } catch (InvalidClientException | JOSEException e) {
            throw ClientAuthenticator.failed("assertion refused: " + e.getMessage());
        }
        // Recorded only once the signature is good, so nobody can spend an app's jti values for it.
        if (!firstUse(client.clientId(), claims.getJWTID().getValue(), expires)) {
            throw ClientAuthenticator.failed("the assertion was used already");
        }
        return client;
    }

    private static JWTAuthentication parse(String assertionType, String assertion, String clientId) {
        Map<String, List<String>> params = new HashMap<>();
        params.put("client_assertion_type", List.of(assertionType));
        params.put("client_assertion", List.of(assertion));
        if (clientId != null) {
            params.put("client_id", List.of(clientId));
        }
        try {
            JWSAlgorithm alg = SignedJWT.parse(assertion).getHeader().getAlgorithm();
            return JWSAlgorithm.Family.HMAC_SHA.contains(alg) ? ClientSecretJWT.parse(params) : PrivateKeyJWT.parse(params);
        } catch (ParseException | java.text.ParseException | RuntimeException e) {
            throw ClientAuthenticator.failed("malformed client assertion");
        }
    }

    /** The app's secret (client_secret_jwt) or public keys (private_key_jwt), as Nimbus asks for them. */
    private final class Keys implements ClientCredentialsSelector<Client> {
        @Override
        public List<Secret> selectClientSecrets(ClientID id, ClientAuthenticationMethod method, Context<Client> context)
                throws InvalidClientException {
            String sealed = context.get().authentication().sealedSecret();
            if (sealed == null) {
                throw new InvalidClientException("no secret to check the HMAC with: rotate the app's secret");
            }
            try {
                return List.of(new Secret(new String(encryption.decrypt(sealed), StandardCharsets.UTF_8)));
            } catch (IllegalStateException e) {
                // The key it was sealed with is gone from GATEHOUSE_ENCRYPTION_KEYS: refused, not a 500.
                throw new InvalidClientException("the app's sealed secret cannot be opened: rotate it");
            }
        }

        @Override
        public List<? extends PublicKey> selectPublicKeys(ClientID id, ClientAuthenticationMethod method, JWSHeader header,
                                                          boolean forceRefresh, Context<Client> context)
                throws InvalidClientException {
            JWKSet set = keysOf(context.get(), forceRefresh);
            List<PublicKey> keys = new ArrayList<>();
            for (JWK key : new JWKSelector(JWKMatcher.forJWSHeader(header)).select(set)) {
                try {
                    keys.add(key instanceof ECKey ec ? ec.toECPublicKey() : ((RSAKey) key).toRSAPublicKey());
                } catch (JOSEException | ClassCastException e) {
                    // not a usable verification key: skip it
                }
            }
            return keys;
        }
    }

    /**
     * The app's keys: registered inline, or fetched from its jwks_uri and kept a while. A failed
     * fetch keeps serving the keys last fetched, and is not tried again for 30 seconds, so an app's
     * host being down for a moment does not lock it out, and assertions cannot make Gatehouse fetch
     * at will.
     */
    private JWKSet keysOf(Client client, boolean forceRefresh) throws InvalidClientException {
        if (client.authentication().jwksJson() != null) {
            try {
                return JWKSet.parse(client.authentication().jwksJson());
            } catch (java.text.ParseException e) {
                throw new InvalidClientException("the app's registered keys do not parse");
            }
        }
        String uri = client.authentication().jwksUri();
        if (uri == null) {
            throw new InvalidClientException("the app registered no keys");
        }
        Instant now = clock.instant();
        String key = client.clientId() + " " + uri;
        Fetched known = fetched.get(key);
        boolean due = known == null || now.isAfter(known.at().plus(KEYS_KEPT))
                || (forceRefresh && now.isAfter(known.at().plus(REFETCH_AFTER)));
        if (!due) {
            if (known.keys() == null) {
                throw new InvalidClientException("the app's jwks_uri failed moments ago; try again shortly");
            }
            return known.keys();
        }
        try {
            JWKSet keys = ClientKeys.checked(JWKSet.parse(remote.fetch(URI.create(uri))));
            remember(key, new Fetched(keys, now));
            return keys;
        } catch (IOException | java.text.ParseException | OAuthException e) {
            remember(key, new Fetched(known == null ? null : known.keys(), now));
            if (known != null && known.keys() != null) {
                return known.keys();
            }
            throw new InvalidClientException("the app's keys could not be read from its jwks_uri");
        }
    }

    /** Keeps what a fetch gave (bounded: past 10,000 apps' URIs the memo starts over). */
    private void remember(String key, Fetched value) {
        if (fetched.size() >= 10_000) {
            fetched.clear();
        }
        fetched.put(key, value);
    }

    /**
     * Records the app's jti, kept until its assertion has expired (plus the skew): false when it was
     * recorded already. Checking and recording are one statement, so two copies of an assertion sent
     * at once cannot both pass.
     */
    private boolean firstUse(String clientId, String jti, Instant expires) {
        byte[] hash = TokenCodec.hash(clientId + "\u0000" + jti);
        Instant keepUntil = expires.plus(SKEW);
        return database.withHandle(handle -> handle.createUpdate("""
                        INSERT INTO client_assertions (assertion_hash, expires_at) VALUES (:hash, :until)
                        ON CONFLICT (assertion_hash) DO NOTHING""")
                .bind("hash", hash)
                .bind("until", keepUntil)
                .execute()) == 1;
    }
}
