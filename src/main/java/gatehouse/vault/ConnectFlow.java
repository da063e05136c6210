package gatehouse.vault;

import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.OrgService;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import gatehouse.secrets.TokenCodec;
import gatehouse.auth.Caller;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connecting an organization to an external account: the organization's administrator starts the
 * flow, the provider sends the browser back to the callback, and the connection is stored.
 *
 * <p>Tenant walls: only an administrator of the organization (a browser session, or a token with
 * {@code admin:*}) starts a flow, from the browser by a POST carrying the CSRF token; the
 * {@code state} is random, single use, ten minutes, and bound to the organization and the user
 * who started it, so a callback finishes only the flow its own browser began; an external account
 * (GitHub installation or account, Jira site, Slack workspace) is live in at most one organization.
 */
public final class ConnectFlow {
    /** The console's return address after connecting: an organization's own page in Gatehouse. */
    private static final Pattern CONSOLE_RETURN =
            Pattern.compile("/orgs/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\?done=connected");
    private static final Logger log = LoggerFactory.getLogger(ConnectFlow.class);
    static final Duration STATE_TTL = Duration.ofMinutes(10);

    private final Database database;
    private final VaultRepository vault;
    private final Platforms platforms;
    private final CredentialSeal seal;
    private final OrgService orgs;
    private final AuditLog audit;
    private final ConnectionEvents events;
    private final Clock clock;
    private final List<String> returnUrls;
    private final String issuer;
    private final SecureRandom random = new SecureRandom();

    public ConnectFlow(Database database, VaultRepository vault, Platforms platforms, Encryption encryption,
                       OrgService orgs, AuditLog audit, ConnectionEvents events, Clock clock, VaultSettings settings,
                       String issuer) {
        this.database = database;
        this.vault = vault;
        this.platforms = platforms;
        this.seal = new CredentialSeal(encryption);
        this.orgs = orgs;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
        this.returnUrls = settings.returnUrls();
        this.issuer = issuer;
    }

    /**
     * What a start request asks for, checked: the flow, the organization's name (for the confirmation
     * page) and the connection parameters given so far (a tenant subdomain), each already valid.
     */
    public record Start(Platform platform, UUID organizationId, String organizationName, String returnTo,
                        Map<String, String> params) {
        public Start {
            params = Map.copyOf(params);
        }

        /** Whether every connection parameter the provider needs was given. */
        public boolean complete() {
            return params.keySet().containsAll(platform.connectionParams().keySet());
        }
    }

    /**
     * Refuses unless the caller administers the organization and the request is sound; the
     * confirmation page and the start itself both check it first.
     */
    public Start check(Caller caller, String platformName, String kind, UUID orgId, String returnTo,
                       Map<String, String> given) {
        if (!caller.mayManage()) {
            throw OAuthException.insufficientScope(Caller.ADMIN_SCOPE);
        }
        if (orgId == null) {
            throw OAuthException.validation("organization_id is required");
        }
        orgs.requireAdministrator(caller, orgId);
        Platform platform = platforms.require(platformName, kind);
        if (returnTo != null && !isAllowedReturn(returnTo)) {
            throw OAuthException.validation("return_to is not one of the allowed return URLs (GATEHOUSE_CONNECT_RETURN_URLS)");
        }
        return new Start(platform, orgId, orgs.findName(orgId).orElse(""), returnTo, connectionParams(platform, given));
    }

    /** The provider's connection parameters among {@code given}; a value given but not matching its pattern is 400. */
    private static Map<String, String> connectionParams(Platform platform, Map<String, String> given) {
        Map<String, String> params = new LinkedHashMap<>();
        platform.connectionParams().forEach((name, param) -> {
            String value = given.get(name);
            if (value == null || value.isBlank()) {
                return;
            }
            String trimmed = value.strip();
            // Whatever the definition's pattern allows, a value never carries URL syntax: it is put into hosts and paths.
            if (trimmed.length() > 200 || !trimmed.matches("[A-Za-z0-9._-]+") || !param.pattern().matcher(trimmed).matches()) {
                throw OAuthException.validation(name + " is not valid for " + platform.name() + ": " + param.description());
            }
            params.put(name, trimmed);
        });
        return params;
    }

    /**
     * Starts the flow: where to send the administrator's browser. The flow is bound to that person:
     * a token with no user (an internal service) cannot start one, since whichever browser finished
     * it would attach its own account.
     */
    public URI start(Caller caller, String platformName, String kind, UUID orgId, String returnTo,
                     Map<String, String> given) {
        Start start = check(caller, platformName, kind, orgId, returnTo, given);
        if (!start.complete()) {
            throw OAuthException.validation("connecting " + platformName + " needs "
                    + String.join(" and ", start.platform().connectionParams().keySet()));
        }
        if (caller.userId() == null) {
            throw OAuthException.forbidden("connecting an account needs an organization administrator's browser session");
        }
        Platform platform = start.platform();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        CodeVerifier verifier = platform.usesPkce() ? new CodeVerifier() : null;
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            vault.deleteExpiredStates(handle, now);
            vault.insertState(handle, TokenCodec.hash(state), new VaultRepository.ConnectState(platform.name(),
                    platform.kind(), orgId, caller.userId(), verifier == null ? null : seal.sealText(verifier.getValue()),
                    returnTo, now.plus(STATE_TTL), start.params()), now);
            return null;
        });
        String challenge = verifier == null ? null : CodeChallenge.compute(CodeChallengeMethod.S256, verifier).getValue();
        return platform.authorizeUrl(state, callbackUrl(platform.name()), challenge, start.params());
    }

    /** Where the provider sends the browser back: {@code {issuer}/oauth/callback/{platform}}. */
    public String callbackUrl(String platform) {
        return issuer + "/oauth/callback/" + platform;
    }

    /** What a completed connect flow made, and where to send the browser. */
    public record Connected(List<Connection> connections, String returnTo) {
    }

    /**
     * The callback: the state is checked (and used up) before anything else, so a bad, replayed,
     * expired or foreign one never reaches the provider's token endpoint.
     */
    public Connected complete(Caller sessionUser, String platformName, Map<String, String> params) {
        if (!platforms.isKnown(platformName)) {
            throw OAuthException.notFound("unknown platform '" + platformName + "'");
        }
        String state = params.get("state");
        if (state == null || state.length() > 200) {
            throw OAuthException.invalidRequest("state is missing");
        }
        var flow = database.inTransaction(handle -> vault.consumeState(handle, TokenCodec.hash(state), platformName))
                .orElseThrow(() -> OAuthException.invalidRequest("state is unknown or was already used"));
        if (flow.expiresAt().isBefore(clock.instant())) {
            throw OAuthException.invalidRequest("state has expired; start the connection again");
        }
        if (sessionUser == null || flow.userId() == null || !flow.userId().equals(sessionUser.userId())) {
            throw OAuthException.invalidRequest("state belongs to another user's connect flow");
        }
        if (params.get("error") != null) {
            throw OAuthException.invalidRequest("the provider refused: " + clip(params.get("error")));
        }
        Platform platform = platforms.forCredential(flow.platform(), flow.kind());
        orgs.requireAdministrator(sessionUser, flow.organizationId());
        Authorization authorization = authorize(platform, params, flow.codeVerifier(), flow.params());
        Stored stored = store(platform, authorization, flow.organizationId(), sessionUser);
        retireQuietly(platform, stored.superseded(), authorization.credential());
        return new Connected(stored.connections(), flow.returnTo());
    }

    private Authorization authorize(Platform platform, Map<String, String> params, String sealedVerifier,
                                    Map<String, String> connectionParams) {
        Authorization authorization;
        try {
            authorization = platform.complete(params, callbackUrl(platform.name()),
                    sealedVerifier == null ? null : seal.openText(sealedVerifier), connectionParams);
        } catch (ProviderException e) {
            throw e.kind() == ProviderException.Kind.TRANSIENT
                    ? OAuthException.of(OAuthError.PROVIDER_UNAVAILABLE, platform.name() + " is unavailable: " + e.getMessage())
                    : OAuthException.invalidRequest(platform.name() + " refused the connection: " + e.getMessage());
        }
        if (authorization.accounts().isEmpty()) {
            throw OAuthException.invalidRequest(platform.name() + " named no account to connect");
        }
        return authorization;
    }

    /** The connections made, and the credentials they replaced that nothing uses any more. */
    private record Stored(List<Connection> connections, List<Credential> superseded) {
    }

    /**
     * One transaction: the new credential, one connection per external account, and the deletion of
     * credentials a re-authorization replaced. An account live in another organization refuses the
     * whole callback (409), naming the account but never the other organization.
     */
    private Stored store(Platform platform, Authorization authorization, UUID orgId, Caller user) {
        Credential credential = authorization.credential();
        Instant now = clock.instant();
        return database.inTransaction(handle -> {
            UUID credentialId = Ids.newId();
            vault.insertCredential(handle, credentialId, platform.name(), platform.kind(), seal.seal(credential),
                    credential.expiresAt(), platform.canRefresh(credential), now);
            List<Connection> connections = new ArrayList<>();
            List<UUID> replaced = new ArrayList<>();
            for (Authorization.ExternalAccount account : authorization.accounts()) {
                vault.lockLiveByAccount(handle, platform.name(), platform.kind(), account.externalId())
                        .filter(live -> live.credentialId() != null)
                        .ifPresent(live -> replaced.add(live.credentialId()));
                if (vault.overlapsElsewhere(handle, platform.name(), platform.kind(), account.externalId(),
                        account.parentId(), orgId)) {
                    throw alreadyConnected(platform, account);
                }
                UUID id = vault.upsertConnection(handle, credentialId, platform.name(), platform.kind(), orgId, account,
                                credential.scopes(), user.userId(), now)
                        .orElseThrow(() -> alreadyConnected(platform, account));
                Connection connection = vault.findConnection(handle, id).orElseThrow();
                audit.record(handle, user.auditActor(), AuditLog.Event.of("connection.created")
                        .organization(orgId).details(connection.auditDetails()));
                events.changed(handle, "connection.created", connection, null);
                connections.add(connection);
            }
            return new Stored(connections, deleteUnused(handle, replaced));
        });
    }

    private static OAuthException alreadyConnected(Platform platform, Authorization.ExternalAccount account) {
        String name = account.externalName() != null ? account.externalName() : account.externalId();
        return OAuthException.conflict("the " + platform.name() + " account '" + clip(name)
                + "' is already connected to another organization; disconnect it there first");
    }

    /** Deletes the replaced credentials no live connection uses any more; returns their material. */
    private List<Credential> deleteUnused(Handle handle, List<UUID> replaced) {
        List<Credential> unused = new ArrayList<>();
        for (UUID id : replaced.stream().distinct().toList()) {
            if (vault.credentialInUse(handle, id)) {
                continue;
            }
            vault.findCredential(handle, id).ifPresent(stored -> unused.add(seal.open(stored.material())));
            vault.deleteCredential(handle, id);
        }
        return unused;
    }

    /** Revokes replaced token material at the provider, best effort, after the new one is stored. */
    private void retireQuietly(Platform platform, List<Credential> superseded, Credential successor) {
        for (Credential old : superseded) {
            try {
                platform.retire(old, successor);
            } catch (ProviderException | RuntimeException e) {
                log.warn("revoking a replaced {} credential at the provider failed ({}); it is deleted here anyway",
                        platform.name(), e.getMessage());
            }
        }
    }

    private boolean isAllowedReturn(String returnTo) {
        // Gatehouse's own console: back to the organization's page, a fixed local path.
        if (CONSOLE_RETURN.matcher(returnTo).matches()) {
            return true;
        }
        for (String prefix : returnUrls) {
            if (returnTo.equals(prefix) || returnTo.startsWith(prefix) && (prefix.endsWith("/")
                    || "/?#".indexOf(returnTo.charAt(prefix.length())) >= 0)) {
                return true;
            }
        }
        return false;
    }

    private static String clip(String value) {
        return value.length() > 100 ? value.substring(0, 100) : value;
    }
}
