package gatehouse.oauth;

import static gatehouse.oauth.GrantBench.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.openid.connect.sdk.claims.AccessTokenHash;
import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Ids;
import gatehouse.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The authorization_code grant's rules (RFC 6749 §4.1.3, RFC 7636 §4.6), one test each, on
 * in-memory stores with a clock the test moves.
 */
class AuthorizationCodeGrantTest {
    private final GrantBench rules = new GrantBench();

    // --- expiry (RFC 6749 §4.1.2: a code lives briefly; here five minutes)

    @Test
    void exchangeWhenCodeIsFourMinutesOldThenTokensIssued() {
        Client app = rules.app().build();
        var pkce = Fixtures.pkce();
        String code = rules.code(app, pkce.challenge());
        rules.clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        TokenResponse response = rules.exchange(app, code, pkce.verifier());
        assertThat(response.accessToken()).startsWith("foot_");
        assertThat(response.refreshToken()).startsWith("foor_");
    }

    @Test
    void exchangeWhenCodeIsFiveMinutesOldThenInvalidGrant() {
        Client app = rules.app().build();
        var pkce = Fixtures.pkce();
        String code = rules.code(app, pkce.challenge());
        rules.clock.advance(Duration.ofMinutes(5));
        assertThatThrownBy(() -> rules.exchange(app, code, pkce.verifier()))
                .isInstanceOfSatisfying(OAuthException.class, e -> {
                    assertThat(e.error()).isEqualTo(OAuthError.INVALID_GRANT);
                    assertThat(e.detail()).isEqualTo("code expired");
                });
    }

    @Test
    void exchangeWhenExpiredCodeIsTriedThenItCannotBeUsedLaterEither() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        rules.clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(() -> rules.exchange(app, code, null)).isInstanceOf(OAuthException.class);
        assertThatThrownBy(() -> rules.exchange(app, code, null))
                .isInstanceOfSatisfying(OAuthException.class, e -> assertThat(e.detail()).contains("replayed"));
    }

    @Test
    void accessTokenWhenItsTtlPassesThenInactive() {
        Client app = rules.app().accessTokenTtl(120).build();
        TokenResponse response = rules.exchange(app, rules.code(app, null), null);
        assertThat(response.expiresIn()).isEqualTo(120);
        rules.clock.advance(Duration.ofSeconds(119));
        assertThat(rules.active(response.accessToken())).isTrue();
        rules.clock.advance(Duration.ofSeconds(1));
        assertThat(rules.active(response.accessToken())).isFalse();
    }

    // --- single use, and a replay revokes what the code issued (RFC 6749 §4.1.2)

    @Test
    void exchangeWhenCodeUsedOnceThenTokensActingAsTheUserInTheOrganization() {
        Client app = rules.app().build();
        TokenResponse response = rules.exchange(app, rules.code(app, null), null);
        assertThat(response.tokenType()).isEqualTo("Bearer");
        assertThat(response.organizationId()).isEqualTo(rules.orgId);
        assertThat(response.actor()).isEqualTo("self");
        assertThat(rules.world.activeAccessToken(response.accessToken()).orElseThrow().userId())
                .isEqualTo(rules.user.id());
    }

    @Test
    void exchangeWhenCodeUsedTwiceThenSecondIsInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        rules.exchange(app, code, null);
        var refusal = refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).contains("replayed");
    }

    @Test
    void exchangeWhenCodeReplayedThenTokensItIssuedAreRevoked() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        TokenResponse first = rules.exchange(app, code, null);
        refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(rules.active(first.accessToken())).isFalse();
        refused(() -> rules.refresh(app, first.refreshToken()), OAuthError.INVALID_GRANT);
    }

    // --- the code belongs to the app it was issued to

    @Test
    void exchangeWhenAnotherAppPresentsTheCodeThenInvalidGrantAndTheCodeStaysUsable() {
        Client app = rules.app().build();
        Client other = rules.app().build();
        String code = rules.code(app, null);
        var refusal = refused(() -> rules.exchange(other, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("unknown code, or another app's");
        assertThat(rules.exchange(app, code, null).accessToken()).startsWith("foot_");
    }

    @Test
    void exchangeWhenCodeUnknownThenInvalidGrant() {
        Client app = rules.app().build();
        refused(() -> rules.exchange(app, rules.codec.generate(TokenKind.AUTHORIZATION_CODE), null),
                OAuthError.INVALID_GRANT);
    }

    @Test
    void exchangeWhenCodeMissingThenInvalidRequest() {
        Client app = rules.app().build();
        refused(() -> rules.exchange(app, Map.of("redirect_uri", GrantBench.REDIRECT_URI)),
                OAuthError.INVALID_REQUEST);
    }

    // --- redirect_uri binding (RFC 6749 §4.1.3)

    @Test
    void exchangeWhenRedirectUriDiffersThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        var refusal = refused(() -> rules.exchange(app, Map.of("code", code,
                "redirect_uri", "https://app.example.test/other")), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("redirect_uri does not match the authorization request");
    }

    @Test
    void exchangeWhenRedirectUriOmittedButTheRequestNamedItThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        var refusal = refused(() -> rules.exchange(app, Map.of("code", code)), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("redirect_uri does not match the authorization request");
    }

    @Test
    void exchangeWhenTheRequestNamedNoRedirectUriThenItMayBeOmitted() {
        Client app = rules.app().build();
        String code = rules.store(new AuthorizationCode(app.clientId(), rules.user.id(), rules.orgId, "self", "",
                GrantBench.REDIRECT_URI, false, null, Ids.newId(), rules.clock.instant(),
                rules.clock.instant().plus(AuthorizationService.CODE_TTL), null, null, null));
        assertThat(rules.exchange(app, Map.of("code", code)).accessToken()).startsWith("foot_");
    }

    // --- PKCE, both directions (RFC 7636 §4.6, and no verifier without a challenge)

    @Test
    void exchangeWhenChallengeWasSentButNoVerifierThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, Fixtures.pkce().challenge());
        var refusal = refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("code_verifier missing");
    }

    @Test
    void exchangeWhenVerifierSentButNoChallengeWasThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        var refusal = refused(() -> rules.exchange(app, code, Fixtures.pkce().verifier()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("code_verifier sent but the authorization request had no challenge");
    }

    @Test
    void exchangeWhenVerifierDoesNotMatchTheChallengeThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, Fixtures.pkce().challenge());
        var refusal = refused(() -> rules.exchange(app, code, Fixtures.pkce().verifier()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("code_verifier does not match the challenge");
    }

    @Test
    void exchangeWhenWrongVerifierTriedThenTheCodeIsSpent() {
        Client app = rules.app().build();
        var pkce = Fixtures.pkce();
        String code = rules.code(app, pkce.challenge());
        refused(() -> rules.exchange(app, code, Fixtures.pkce().verifier()), OAuthError.INVALID_GRANT);
        var refusal = refused(() -> rules.exchange(app, code, pkce.verifier()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).contains("replayed");
    }

    // --- what the code was issued under must still hold

    @Test
    void exchangeWhenUserDisabledSinceThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        rules.world.disable(rules.user.id());
        refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
    }

    @Test
    void exchangeWhenUserLeftTheOrganizationSinceThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        rules.world.removeMember(rules.orgId, rules.user.id());
        var refusal = refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("the user is no longer a member of the code's organization");
    }

    @Test
    void exchangeWhenConsentRevokedSinceThenInvalidGrant() {
        Client app = rules.app().build();
        String code = rules.code(app, null);
        rules.world.revokeConsent(rules.user.id(), app.clientId(), rules.orgId, "self");
        var refusal = refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail())
                .isEqualTo("the consent the code was issued under was revoked or no longer covers its scopes");
    }

    @Test
    void exchangeWhenAppUninstalledSinceThenInvalidGrant() {
        Client app = rules.app().actorModes("app").build();
        UUID otherOrg = Ids.newId();
        rules.world.addMember(otherOrg, rules.user.id(), "admin");
        rules.world.install(app.clientId(), otherOrg, List.of());
        String code = rules.code(app, "app", otherOrg, "", null);
        rules.world.uninstall(app.clientId(), otherOrg);
        var refusal = refused(() -> rules.exchange(app, code, null), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("the app is no longer installed in this organization");
    }

    @Test
    void exchangeWhenActorAppThenTokenActsAsTheAppItself() {
        Client app = rules.app().actorModes("app").build();
        TokenResponse response = rules.exchange(app, rules.code(app, "app", rules.orgId, "", null), null);
        assertThat(response.actor()).isEqualTo("app");
        assertThat(rules.world.activeAccessToken(response.accessToken()).orElseThrow().userId()).isNull();
    }

    // --- what the tokens carry

    @Test
    void exchangeWhenScopeWithdrawnFromTheAppSinceThenNotGranted() {
        Client before = rules.app().scopes("read", "write").build();
        String code = rules.code(before, "self", rules.orgId, "read write", null);
        Client now = rules.app().sameAs(before).scopes("read").build();
        assertThat(rules.exchange(now, code, null).scope()).isEqualTo("read");
    }

    @Test
    void exchangeWhenAppDoesNotUseRefreshTokensThenNoneIssued() {
        Client app = rules.app().grantTypes(Client.AUTHORIZATION_CODE).build();
        assertThat(rules.exchange(app, rules.code(app, null), null).refreshToken()).isNull();
    }

    @Test
    void exchangeWhenAppHasRefreshLifetimeThenRefreshTokenExpiresWithIt() {
        Client app = rules.app().refreshTokenTtl(3600).build();
        TokenResponse response = rules.exchange(app, rules.code(app, null), null);
        rules.clock.advance(Duration.ofHours(1));
        var refusal = refused(() -> rules.refresh(app, response.refreshToken()), OAuthError.INVALID_GRANT);
        assertThat(refusal.detail()).isEqualTo("refresh token expired");
    }

    @Test
    void exchangeWhenCodeSignsInThenIdTokenSaysWhoWithTheNonceAndTheSignInTime() throws Exception {
        Client app = rules.app().scopes("openid", "read").build();
        Instant signedIn = rules.clock.instant().minusSeconds(30);
        String code = rules.store(new AuthorizationCode(app.clientId(), rules.user.id(), rules.orgId, "self", "openid read",
                GrantBench.REDIRECT_URI, true, null, Ids.newId(), rules.clock.instant(),
                rules.clock.instant().plus(AuthorizationService.CODE_TTL), null, "n-42", signedIn));
        TokenResponse response = rules.exchange(app, code, null);

        var jwt = SignedJWT.parse(response.idToken());
        assertThat(jwt.verify(new RSASSAVerifier(InMemoryGrantStores.ID_TOKEN_KEY))).isTrue();
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(GrantBench.ISSUER);
        assertThat(claims.getSubject()).isEqualTo(rules.user.id().toString());
        assertThat(claims.getAudience()).containsExactly(app.clientId());
        assertThat(claims.getStringClaim("azp")).isEqualTo(app.clientId());
        assertThat(claims.getStringClaim("nonce")).isEqualTo("n-42");
        assertThat(claims.getDateClaim("auth_time").toInstant()).isEqualTo(signedIn.truncatedTo(ChronoUnit.SECONDS));
        assertThat(claims.getStringClaim("organization_id")).isEqualTo(rules.orgId.toString());
        assertThat(claims.getExpirationTime().toInstant())
                .isEqualTo(rules.clock.instant().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS));
        assertThat(claims.getStringClaim("at_hash")).isEqualTo(AccessTokenHash.compute(
                new BearerAccessToken(response.accessToken()), JWSAlgorithm.RS256, null).getValue());
        assertThat(response.members()).containsKey("id_token");
    }

    @Test
    void exchangeWhenCodeDoesNotSignInOrOpenidWasWithdrawnThenNoIdToken() {
        Client plain = rules.app().scopes("read").build();
        assertThat(rules.exchange(plain, rules.code(plain, "self", rules.orgId, "read", null), null).idToken()).isNull();

        Client before = rules.app().scopes("openid", "read").build();
        String code = rules.code(before, "self", rules.orgId, "openid read", null);
        Client now = rules.app().sameAs(before).scopes("read").build();
        TokenResponse response = rules.exchange(now, code, null);
        assertThat(response.idToken()).isNull();
        assertThat(response.members()).doesNotContainKey("id_token");
    }
}
