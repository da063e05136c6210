package gatehouse.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gatehouse.clients.Client;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Ids;
import gatehouse.testing.MutableClock;
import gatehouse.users.User;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The four grants on in-memory stores with a clock the test moves: no server, no database. Holds a
 * user who owns an organization, and makes apps and codes as registration and the consent step
 * would.
 */
final class GrantBench {
    static final String REDIRECT_URI = "https://app.example.test/callback";
    static final String ISSUER = "https://gatehouse.example.test";

    final MutableClock clock = MutableClock.startingNow();
    final TokenCodec codec = new TokenCodec("fo", new SecureRandom());
    final InMemoryGrantStores world = new InMemoryGrantStores(clock, codec);
    final GrantStores stores = world.stores();
    final Issuance issuance = new Issuance(stores.issuing(), stores.installations());
    final AuthorizationCodeGrant authorizationCode = new AuthorizationCodeGrant(stores.transactions(), stores.codes(),
            stores.families(), issuance, world.idTokens(), ISSUER, codec, clock);
    final RefreshTokenGrant refreshToken = new RefreshTokenGrant(stores.transactions(), stores.families(), issuance,
            codec, clock, new Encryption(List.of(randomKey())));
    final ClientCredentialsGrant clientCredentials = new ClientCredentialsGrant(stores.transactions(), issuance);
    final PasswordGrant password = new PasswordGrant(stores.transactions(), stores.passwords(), stores.memberships(),
            stores.consents(), issuance, clock);

    final User user = world.addUser("ada@example.test", "correct horse battery", true);
    final UUID orgId = Ids.newId();

    GrantBench() {
        world.addMember(orgId, user.id(), "owner");
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getUrlEncoder().encodeToString(key);
    }

    /** An app of the user's organization as the token endpoint sees it after authentication. */
    AppSpec app() {
        return new AppSpec(orgId);
    }

    /** What registration would store; defaults as the API's for a confidential code-flow app. */
    static final class AppSpec {
        private final UUID ownerOrgId;
        private String clientId = "fooapp_" + Ids.newId().toString().replace("-", "");
        private List<String> grantTypes = List.of(Client.AUTHORIZATION_CODE, Client.REFRESH_TOKEN);
        private List<String> approvedGrantTypes = List.of();
        private List<String> allowedScopes = List.of();
        private List<String> actorModes = List.of("self");
        private boolean confidential = true;
        private int accessTokenTtl = 3600;
        private boolean rotation = true;
        private int graceSeconds;
        private Integer refreshTokenTtl;
        private String idTokenAlg;

        AppSpec(UUID ownerOrgId) {
            this.ownerOrgId = ownerOrgId;
        }

        /** The same app (its client_id) as it reads after a change. */
        AppSpec sameAs(Client app) {
            this.clientId = app.clientId();
            return this;
        }

        AppSpec grantTypes(String... types) {
            this.grantTypes = List.of(types);
            return this;
        }

        AppSpec approvedGrantTypes(String... types) {
            this.approvedGrantTypes = List.of(types);
            return this;
        }

        /** The scopes the app may use now (requested, and approved where restricted). */
        AppSpec scopes(String... scopes) {
            this.allowedScopes = List.of(scopes);
            return this;
        }

        AppSpec actorModes(String... modes) {
            this.actorModes = List.of(modes);
            return this;
        }

        AppSpec publicClient() {
            this.confidential = false;
            return this;
        }

        AppSpec accessTokenTtl(int seconds) {
            this.accessTokenTtl = seconds;
            return this;
        }

        AppSpec withoutRotation() {
            this.rotation = false;
            return this;
        }

        AppSpec graceSeconds(int seconds) {
            this.graceSeconds = seconds;
            return this;
        }

        AppSpec idTokenAlg(String alg) {
            this.idTokenAlg = alg;
            return this;
        }

        AppSpec refreshTokenTtl(int seconds) {
            this.refreshTokenTtl = seconds;
            return this;
        }

        Client build() {
            Instant now = Instant.now();
            return new Client(clientId, Ids.newId(), new byte[32], null,
                    null, "App", null, null, ownerOrgId, List.of(REDIRECT_URI), List.of(), grantTypes, allowedScopes, List.of(),
                    allowedScopes, approvedGrantTypes, confidential, actorModes, "opaque", "ES256", "at+jwt", idTokenAlg, accessTokenTtl,
                    rotation, graceSeconds, refreshTokenTtl, null, List.of(), false, false, false,
                    Client.Authentication.SECRET, null, Client.Vault.NONE, null, now, now);
        }
    }

    /**
     * Stores a code as the consent step would (with the user's consent to the app in the
     * organization, which redemption checks), valid for five minutes from the clock's now; the
     * authorization request named the redirect URI.
     */
    String code(Client client, String challenge) {
        return code(client, "self", orgId, "", challenge);
    }

    /** As {@link #code(Client, String)}, for the actor, organization and scope given. */
    String code(Client client, String actor, UUID organizationId, String scope, String challenge) {
        return store(new AuthorizationCode(client.clientId(), user.id(), organizationId, actor, scope, REDIRECT_URI,
                true, challenge, Ids.newId(), clock.instant(), clock.instant().plus(AuthorizationService.CODE_TTL),
                null, null, null));
    }

    /** Stores the code as issued, with the user's consent to exactly its scopes; returns its value. */
    String store(AuthorizationCode code) {
        String value = codec.generate(TokenKind.AUTHORIZATION_CODE);
        stores.transactions().inTransaction(tx -> {
            stores.consents().grant(tx, code.userId(), code.clientId(), code.organizationId(), code.actor(),
                    code.scope().isEmpty() ? List.of() : List.of(code.scope().split(" ")));
            stores.codes().insert(tx, code, TokenCodec.hash(value));
            return null;
        });
        return value;
    }

    TokenResponse exchange(Client client, String code, String verifier) {
        return authorizationCode.exchange(client, verifier == null
                ? Map.of("code", code, "redirect_uri", REDIRECT_URI)
                : Map.of("code", code, "redirect_uri", REDIRECT_URI, "code_verifier", verifier));
    }

    TokenResponse exchange(Client client, Map<String, String> params) {
        return authorizationCode.exchange(client, params);
    }

    TokenResponse refresh(Client client, String refreshToken) {
        return this.refreshToken.exchange(client, Map.of("refresh_token", refreshToken));
    }

    TokenResponse refresh(Client client, String refreshToken, String scope) {
        return this.refreshToken.exchange(client, Map.of("refresh_token", refreshToken, "scope", scope));
    }

    /** client_credentials with the parameters given as name, value, name, value… */
    TokenResponse clientCredentials(Client client, String... params) {
        return clientCredentials.exchange(client, pairs(params));
    }

    /** password with the parameters given as name, value, name, value… */
    TokenResponse password(Client client, String... params) {
        return password.exchange(client, pairs(params));
    }

    boolean active(String accessToken) {
        return world.activeAccessToken(accessToken).isPresent();
    }

    static Map<String, String> pairs(String... params) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.put(params[i], params[i + 1]);
        }
        return map;
    }

    /** Asserts the call is refused with {@code error}, and returns the refusal for more checks. */
    static OAuthException refused(ThrowingCallable call, OAuthError error) {
        List<OAuthException> caught = new ArrayList<>();
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthException.class, e -> {
            assertThat(e.error()).as(e.detail()).isEqualTo(error);
            caught.add(e);
        });
        return caught.getFirst();
    }
}
