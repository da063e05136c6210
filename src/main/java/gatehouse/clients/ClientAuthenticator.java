package gatehouse.clients;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import gatehouse.auth.Credentials;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.web.FormParams;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticates the client at the token, introspection and revocation endpoints (RFC 6749 §2.3):
 * {@code client_secret_basic}, {@code client_secret_post}, {@code none} for public apps, and a
 * signed JWT ({@code private_key_jwt}, {@code client_secret_jwt}, RFC 7523: {@link ClientAssertions})
 * for apps registered for one, which then authenticate no other way. Secrets are checked by SHA-256
 * in constant time; a secret with a bad checksum is refused unread.
 */
public final class ClientAuthenticator implements Credentials.ClientSecrets {
    public static final String BASIC_CHALLENGE = "Basic realm=\"gatehouse\"";

    /** How many distinct Basic headers are remembered parsed; past it the memo starts over. */
    private static final int MAX_REMEMBERED_HEADERS = 1_000;

    private final ClientService clients;
    private final TokenCodec codec;
    private final Clock clock;
    private final ClientAssertions assertions;
    /**
     * Basic headers already parsed, by the SHA-256 of the header: the client ID and the SHA-256 of
     * the secret in it, which is all {@link #verifySecretHash} needs. A client sends the same header
     * on every call, and parsing it (Nimbus's ClientSecretBasic) was a third of an introspection's
     * CPU. Only well-formed credentials are remembered, never a plaintext secret; whether the secret
     * is right is still decided on every request, against the app as it is now.
     */
    private final Map<ByteBuffer, Presented> parsedHeaders = new ConcurrentHashMap<>();

    private record Presented(String clientId, byte[] secretHash) {
    }

    public ClientAuthenticator(ClientService clients, TokenCodec codec, Clock clock, ClientAssertions assertions) {
        this.clients = clients;
        this.assertions = assertions;
        this.codec = codec;
        this.clock = clock;
    }

    /** True when the Authorization header uses the Basic scheme (RFC 7617), whatever its case. */
    public static boolean isBasic(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
    }

    /** How the client authenticated. */
    public enum Method { CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, CLIENT_ASSERTION, NONE }

    /** The authenticated app and the method it used. */
    public record Authenticated(Client client, Method method) {
    }

    /**
     * The app a form-encoded OAuth request authenticates as: by {@code client_assertion} (RFC 7523)
     * when it carries one, else as {@link #authenticate(String, String, String, boolean)} says.
     *
     * @param authorization the Authorization header, or null
     * @param form          the request's form (client_id, client_secret, client_assertion_type, client_assertion)
     * @param allowPublic   whether a public app may authenticate with {@code none} here
     */
    public Authenticated authenticate(String authorization, FormParams form, boolean allowPublic) {
        form.rejectRepeated(List.of("client_id", "client_secret", "client_assertion_type", "client_assertion"));
        String assertionType = form.get("client_assertion_type");
        String assertion = form.get("client_assertion");
        if (assertionType == null && assertion == null) {
            return authenticate(authorization, form.get("client_id"), form.get("client_secret"), allowPublic);
        }
        if (authorization != null || form.get("client_secret") != null) {
            throw OAuthException.invalidRequest("use one client authentication method, not two");
        }
        return new Authenticated(assertions.authenticate(assertionType, assertion, form.get("client_id")),
                Method.CLIENT_ASSERTION);
    }

    /**
     * @param authorization the Authorization header, or null
     * @param bodyClientId  the {@code client_id} form parameter, or null
     * @param bodySecret    the {@code client_secret} form parameter, or null
     * @param allowPublic   whether a public app may authenticate with {@code none} here
     * @throws OAuthException invalid_request when two methods are used at once, invalid_client (401)
     *                        when authentication fails
     */
    public Authenticated authenticate(String authorization, String bodyClientId, String bodySecret, boolean allowPublic) {
        boolean basic = authorization != null;
        if (basic && bodySecret != null) {
            throw OAuthException.invalidRequest("use one client authentication method, not two");
        }
        if (basic) {
            return authenticateBasic(authorization, bodyClientId);
        }
        if (bodyClientId == null) {
            throw OAuthException.invalidClient("no client authentication").withChallenge(BASIC_CHALLENGE);
        }
        if (bodySecret != null) {
            return new Authenticated(secretAllowed(verifySecret(bodyClientId, bodySecret)), Method.CLIENT_SECRET_POST);
        }
        Client client = clients.findOptional(bodyClientId)
                .orElseThrow(() -> failed("unknown client_id"));
        if (client.confidential()) {
            throw failed("confidential app sent no secret");
        }
        if (!allowPublic) {
            throw failed("public apps cannot use this endpoint");
        }
        return new Authenticated(client, Method.NONE);
    }

    /** An app's own Basic credentials, on a route that serves the app about itself. */
    @Override
    public String authenticate(String basicAuthorization) {
        return authenticate(basicAuthorization, null, null, false).client().clientId();
    }

    private Authenticated authenticateBasic(String authorization, String bodyClientId) {
        if (!isBasic(authorization)) {
            // Never echo the header: a client that forgot the scheme word sent its secret there.
            throw failed("Authorization header is not Basic");
        }
        ByteBuffer header = ByteBuffer.wrap(TokenCodec.hash(authorization));
        Presented presented = parsedHeaders.get(header);
        if (presented == null) {
            presented = parseBasic(authorization, header);
        }
        if (bodyClientId != null && !bodyClientId.equals(presented.clientId())) {
            throw OAuthException.invalidRequest("client_id in the body differs from the Authorization header");
        }
        return new Authenticated(secretAllowed(verifySecretHash(presented.clientId(), presented.secretHash())),
                Method.CLIENT_SECRET_BASIC);
    }

    /** Parses a Basic header not seen before and remembers it when its secret is well-formed. */
    private Presented parseBasic(String authorization, ByteBuffer header) {
        ClientSecretBasic parsed;
        try {
            parsed = ClientSecretBasic.parse(authorization);
        } catch (ParseException | RuntimeException e) {
            throw failed("malformed Basic credentials");
        }
        String secret = parsed.getClientSecret().getValue();
        if (!codec.isWellFormed(TokenKind.CLIENT_SECRET, secret)) {
            throw failed("malformed client secret");
        }
        var presented = new Presented(parsed.getClientID().getValue(), TokenCodec.hash(secret));
        if (parsedHeaders.size() >= MAX_REMEMBERED_HEADERS) {
            parsedHeaders.clear();
        }
        parsedHeaders.put(header, presented);
        return presented;
    }

    private Client verifySecret(String clientId, String secret) {
        if (!codec.isWellFormed(TokenKind.CLIENT_SECRET, secret)) {
            throw failed("malformed client secret");
        }
        return verifySecretHash(clientId, TokenCodec.hash(secret));
    }

    /** Checks the SHA-256 of a presented secret against the app's current (or still valid previous) one. */
    private Client verifySecretHash(String clientId, byte[] presented) {
        Optional<Client> found = clients.findOptional(clientId);
        if (found.isEmpty() || !found.get().confidential()) {
            throw failed("unknown client_id or public app");
        }
        Client client = found.get();
        if (MessageDigest.isEqual(presented, client.secretHash())) {
            return client;
        }
        boolean previousStillValid = client.previousSecretHash() != null
                && client.previousSecretExpiresAt() != null
                && clock.instant().isBefore(client.previousSecretExpiresAt());
        if (previousStillValid && MessageDigest.isEqual(presented, client.previousSecretHash())) {
            return client;
        }
        throw failed("wrong client secret");
    }

    /** An app registered for a signed JWT proves itself with one only, not with its secret. */
    private static Client secretAllowed(Client client) {
        if (client.usesAssertions()) {
            throw failed("this app authenticates with " + client.tokenEndpointAuthMethod());
        }
        return client;
    }

    static OAuthException failed(String detail) {
        // RFC 6749 §5.2 asks for the challenge when Basic was tried; HTTP asks for one on every 401.
        return OAuthException.invalidClient(detail).withChallenge(BASIC_CHALLENGE);
    }
}
