package gatehouse.oauth;

import gatehouse.auth.ActorMode;
import gatehouse.clients.Client;
import gatehouse.tokens.RefreshToken;
import gatehouse.tokens.TokenGrant;
import gatehouse.tokens.TokenService;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The issuing steps the four grants share: starting a token family, an access token under the
 * installation rule, a refresh token with the app's expiry, and the token endpoint's answer. Every
 * step runs in the grant's unit of work.
 */
public final class Issuance {
    private final TokenIssuing issuing;
    private final InstallationCheck installations;

    public Issuance(TokenIssuing issuing, InstallationCheck installations) {
        this.issuing = issuing;
        this.installations = installations;
    }

    /**
     * The key a new family is bound to (RFC 9449 §5): a public app's, whose refresh tokens would
     * otherwise work for anyone who copies them; a confidential app's refresh tokens need its
     * credentials already, so its family stays unbound and each access token is bound on its own.
     */
    static String familyKey(Client client, String dpopJkt) {
        return client.confidential() ? null : dpopJkt;
    }

    /** When a refresh token issued now expires: never, unless the app sets an absolute TTL. */
    static Instant refreshExpiry(Client client, Instant now) {
        return client.refreshTokenTtl() == null ? null : now.plusSeconds(client.refreshTokenTtl());
    }

    /**
     * What tokens acting as {@code actor} in the organization may carry now: the scopes the app may
     * use, and for an installation (actor app outside the owner organization) only those its
     * organization approved. The installation is held until the unit of work ends (a disconnect
     * then revokes what is issued in it); empty when the app is no longer installed.
     */
    Optional<List<String>> scopesPermittedNow(Tx tx, Client client, String actor, UUID organizationId) {
        boolean underInstallation = ActorMode.APP.is(actor) && organizationId != null
                && !organizationId.equals(client.ownerOrgId());
        if (!underInstallation) {
            return Optional.of(client.allowedScopes());
        }
        return installations.holdActive(tx, client.clientId(), organizationId)
                .map(approved -> approved.stream().filter(client.allowedScopes()::contains).toList());
    }

    /**
     * Starts the family: stores it, its first access token and, when the app may refresh, its first
     * refresh token (expiring after the app's absolute lifetime, if it has one), all at once.
     *
     * @param installationBound whether the access token replaces the installation's previous one
     * @param emailVerified the user's flag, for a JWT's {@code email_verified}
     * @param dpopJkt the key the access token is bound to, or null
     */
    TokenResponse startFamily(Tx tx, Client client, TokenGrant family, boolean installationBound,
                              boolean emailVerified, String dpopJkt) {
        var refresh = client.allowsGrant(Client.REFRESH_TOKEN)
                ? issuing.newRefreshToken(family.id(), null, client.clientId(), family.scope(),
                        refreshExpiry(client, family.createdAt()))
                : null;
        var issued = issuing.store(tx, new TokenService.Exchange(family, null, refresh,
                accessSpec(client, family, family.scope(), family.grantType(), installationBound, emailVerified, dpopJkt),
                false));
        return response(client, issued, refresh == null ? null : refresh.value(), family.scope(),
                family.organizationId(), family.actor());
    }

    /**
     * A rotated refresh token's successor, made but not stored (the exchange stores it): same family
     * and scope, and the family's end, not a later one.
     */
    TokenService.NewRefresh successor(Client client, RefreshToken retired) {
        return issuing.newRefreshToken(retired.grantId(), retired.id(), client.clientId(), retired.scope(),
                retired.expiresAt());
    }

    /**
     * A new access token of an existing family, answered with the refresh token the client holds
     * next, and stored with what the rotation writes (the retired token and its successor) at once.
     * An installation-bound token replaces the installation's; any other replaces the family's own.
     */
    TokenResponse continueFamily(Tx tx, Client client, TokenGrant family, String scope, String grantType,
                                 boolean installationBound, boolean emailVerified, NextRefresh next, String dpopJkt) {
        var issued = issuing.store(tx, new TokenService.Exchange(null, next.retired(), next.minted(),
                accessSpec(client, family, scope, grantType, installationBound, emailVerified, dpopJkt),
                !installationBound));
        return response(client, issued, next.value(), scope, family.organizationId(), family.actor());
    }

    /**
     * The refresh token a refresh answers with: the one presented (no rotation), the successor a
     * retry within the grace window gets back, or a new one ({@code minted}), which retires the one
     * presented ({@code retired}) when the exchange is stored.
     */
    record NextRefresh(String value, TokenService.NewRefresh minted, TokenService.Retirement retired) {

        static NextRefresh kept(String value) {
            return new NextRefresh(value, null, null);
        }

        static NextRefresh rotated(TokenService.NewRefresh successor, TokenService.Retirement retired) {
            return new NextRefresh(successor.value(), successor, retired);
        }
    }

    /** An access token of the app acting as itself, outside any family (client_credentials). */
    TokenResponse appToken(Tx tx, Client client, UUID organizationId, String scope, String grantType,
                           boolean installationBound, String dpopJkt, String resource) {
        var issued = issuing.issueAccessToken(tx, new TokenService.AccessSpec(client.clientId(), null, organizationId,
                ActorMode.APP.value(), scope, null, grantType, installationBound, client.accessTokenTtl(), client.jwtFormat(),
                null, dpopJkt, resource));
        return response(client, issued, null, scope, issued.token().organizationId(), ActorMode.APP.value());
    }

    /** What a token exchange issues (RFC 8693): a token of the exchanging app for the subject's user. */
    record Exchanged(UUID userId, UUID organizationId, boolean emailVerified, String scope, String resource, String act,
                     int ttlSeconds) {
    }

    /**
     * A token exchange's token: the exchanging app's, acting as the subject's user ({@code self}) in
     * the subject's organization, outside any family (no refresh token), for at most the subject's
     * remaining life.
     */
    TokenResponse exchangedToken(Tx tx, Client client, Exchanged exchanged, String grantType, String dpopJkt) {
        var issued = issuing.issueAccessToken(tx, new TokenService.AccessSpec(client.clientId(), exchanged.userId(),
                exchanged.organizationId(), ActorMode.SELF.value(), exchanged.scope(), null, grantType, false,
                exchanged.ttlSeconds(), client.jwtFormat(), exchanged.emailVerified(), dpopJkt, exchanged.resource(),
                exchanged.act()));
        return response(client, issued, null, exchanged.scope(), exchanged.organizationId(), ActorMode.SELF.value());
    }

    /**
     * A service token: the app acting as itself in its owner organization, outside any family and
     * any unit of work, committed (perhaps together with others) before this returns.
     */
    TokenResponse serviceToken(Client client, String scope, String grantType, String dpopJkt, String resource) {
        var issued = issuing.issueServiceToken(new TokenService.AccessSpec(client.clientId(), null, client.ownerOrgId(),
                ActorMode.APP.value(), scope, null, grantType, false, client.accessTokenTtl(), client.jwtFormat(), null,
                dpopJkt, resource));
        return response(client, issued, null, scope, client.ownerOrgId(), ActorMode.APP.value());
    }

    /** Actor app acts as the app itself: the token has no user, whoever approved the family. */
    private static TokenService.AccessSpec accessSpec(Client client, TokenGrant family, String scope, String grantType,
                                                      boolean installationBound, boolean emailVerified, String dpopJkt) {
        return new TokenService.AccessSpec(client.clientId(), family.tokenUserId(), family.organizationId(),
                family.actor(), scope, family.id(), grantType, installationBound, client.accessTokenTtl(),
                client.jwtFormat(), emailVerified, dpopJkt, family.resource());
    }

    private static TokenResponse response(Client client, TokenService.Issued issued, String refreshToken, String scope,
                                          UUID organizationId, String actor) {
        long expiresIn = issued.token().expiresAt().getEpochSecond() - issued.token().createdAt().getEpochSecond();
        return new TokenResponse(issued.value(), issued.token().tokenType(), expiresIn, refreshToken, scope,
                organizationId, actor, null);
    }
}
