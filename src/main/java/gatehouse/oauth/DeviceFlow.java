package gatehouse.oauth;

import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.device.DeviceCode;
import com.nimbusds.oauth2.sdk.device.UserCode;
import gatehouse.auth.ServiceScopes;
import gatehouse.clients.Client;
import gatehouse.clients.ClientService;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.orgs.Organization;
import gatehouse.scopes.ScopeService;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.web.FormParams;
import java.net.URI;
import java.text.Normalizer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The device authorization grant's rules (RFC 8628): a device asks for a device code and a user
 * code ({@link #start}); the user enters the user code at {@code /device}, signs in and approves or
 * denies ({@link #find}, {@link #approve}, {@link #deny}); the device collects the answer by polling
 * ({@link DeviceCodeGrant}). The consent step is the authorization endpoint's, organization choice
 * included — only the way the answer travels differs.
 *
 * <p>User codes are 8 letters from an alphabet with no vowels and no look-alikes
 * ({@code BCDFGHJKLMNPQRSTVWXZ}, RFC 8628 §6.1): 20^8, about 2.6·10^10 codes, typed case-blind with or
 * without the dash. Guessing is bounded by the page's throttle, not by the alphabet.
 */
public final class DeviceFlow {
    private static final int USER_CODE_LENGTH = 8;
    private static final List<String> PARAMETERS = List.of("client_id", "scope", "actor", "organization_id", "resource");

    private final Database database;
    private final DeviceAuthorizationRepository devices;
    private final ClientService clients;
    private final AuthorizationService authorization;
    private final TokenCodec codec;
    private final Clock clock;
    private final URI verificationUri;

    public DeviceFlow(Database database, DeviceAuthorizationRepository devices, ClientService clients,
                      AuthorizationService authorization, TokenCodec codec, Clock clock, String issuer) {
        this.database = database;
        this.devices = devices;
        this.clients = clients;
        this.authorization = authorization;
        this.codec = codec;
        this.clock = clock;
        this.verificationUri = URI.create(issuer + "/device");
    }

    /**
     * RFC 8628 §3.1–3.2: checks what the authenticated {@code client} asks for (its scopes as the
     * authorization endpoint would, its actor, the organization it names) and answers with a device
     * code, a user code and where to enter it.
     */
    public DeviceAuthorizationSuccessResponse start(Client client, FormParams params) {
        params.rejectRepeated(PARAMETERS);
        if (params.get("client_id") != null && !client.clientId().equals(params.get("client_id"))) {
            throw OAuthException.invalidRequest("client_id is not the app that authenticated");
        }
        if (!client.allowsGrant(Client.DEVICE_CODE)) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app is not registered for " + Client.DEVICE_CODE);
        }
        String actor = AuthorizationService.actorOf(client, params.get("actor"));
        Set<String> scopes = ScopeRequest.resolveDelegated(params.get("scope"), client.allowedScopes());
        OpenIdConnect.requireUserFor(scopes, actor);
        UUID organizationId = Parameters.uuid("organization_id", params.get("organization_id"));
        String resource = authorization.resources().resolve(params.get("resource"));
        String deviceCode = codec.generate(TokenKind.DEVICE_CODE);
        Instant now = clock.instant();
        String userCode = database.withHandle(handle -> {
            while (true) {
                String drawn = new UserCode(UserCode.LETTER_CHAR_SET, USER_CODE_LENGTH).getStrippedValue();
                var device = new DeviceAuthorization(drawn, client.clientId(), ScopeRequest.join(scopes), actor,
                        organizationId, now, now.plus(DeviceAuthorization.TTL), DeviceAuthorization.INTERVAL, null, null,
                        resource);
                if (devices.insert(handle, TokenCodec.hash(deviceCode), device)) {
                    return device.displayedUserCode();
                }
            }
        });
        return new DeviceAuthorizationSuccessResponse(new DeviceCode(deviceCode), new UserCode(userCode),
                verificationUri, URI.create(verificationUri + "?user_code=" + userCode),
                DeviceAuthorization.TTL.toSeconds(), DeviceAuthorization.INTERVAL, null);
    }

    /** A device authorization waiting for its user, as the consent step shows it. */
    public record Pending(byte[] hash, DeviceAuthorization device, AuthorizationRequest request) {
    }

    /**
     * The pending authorization a user code names, typed as people type it (any case, with or
     * without the dash or other punctuation and spaces, RFC 8628 §6.1); empty when it is unknown,
     * expired or decided. {@link #normalized} tells first whether the input can be a code at all.
     */
    public Optional<Pending> find(String typed) {
        String userCode = normalized(typed);
        if (userCode == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return database.withHandle(handle -> devices.findPending(handle, userCode, now))
                .flatMap(found -> clients.findOptional(found.device().clientId()).map(client -> new Pending(found.hash(),
                        found.device(), AuthorizationRequest.forDevice(client, ScopeService.parse(found.device().scope()),
                                found.device().actor(), found.device().organizationId(), found.device().resource()))));
    }

    /**
     * The user code's stored form — its letters, upper case, after compatibility normalization (so a
     * full-width letter counts as itself) with everything else dropped — or null when that cannot be
     * a code.
     */
    public static String normalized(String typed) {
        if (typed == null || typed.length() > 32) {
            return null;
        }
        String letters = Normalizer.normalize(typed, Normalizer.Form.NFKC).toUpperCase(Locale.ROOT)
                .replaceAll("[^A-Z]", "");
        return letters.length() == USER_CODE_LENGTH
                && letters.chars().allMatch(c -> UserCode.LETTER_CHAR_SET.indexOf(c) >= 0) ? letters : null;
    }

    /** Organizations the user may approve the device's request for. */
    public List<Organization> eligibleOrganizations(UUID userId, Pending pending) {
        return authorization.eligibleOrganizations(userId, pending.request().actor());
    }

    /** The organization the consent step offers first; refused when the user may approve for none. */
    public UUID preselect(Pending pending, List<Organization> eligible) {
        return authorization.chooseOrganization(pending.request(), null, eligible);
    }

    /**
     * The user approved {@code kept} of the requested scopes for {@code chosen} (checked as the
     * consent step checks it): the consent, the installation for actor app, and the approval the
     * device will collect, in one transaction. Refused if the code was decided or expired meanwhile.
     */
    public void approve(Pending pending, UUID userId, Instant signedInAt, UUID chosen, Set<String> kept) {
        AuthorizationRequest asked = pending.request();
        // The app as it is now, as the authorization endpoint re-checks at the decision: a grant type,
        // actor mode or scope withdrawn since the device asked is not approved.
        Client client = asked.client();
        if (!client.allowsGrant(Client.DEVICE_CODE)) {
            throw OAuthException.of(OAuthError.UNAUTHORIZED_CLIENT, "this app is no longer registered for the device flow");
        }
        AuthorizationService.actorOf(client, asked.actor());
        List<String> delegable = ServiceScopes.delegable(client.allowedScopes());
        if (!delegable.containsAll(kept)) {
            throw OAuthException.of(OAuthError.INVALID_SCOPE, "a scope the device asked for is no longer allowed for this app");
        }
        var request = AuthorizationRequest.forDevice(client, kept, asked.actor(), asked.organizationId(), asked.resource());
        UUID organizationId = authorization.chooseOrganization(request, chosen,
                authorization.eligibleOrganizations(userId, request.actor()));
        Instant now = clock.instant();
        database.inTransaction(handle -> {
            Instant collectBy = later(pending.device().expiresAt(), now.plus(DeviceAuthorization.COLLECT));
            if (!devices.decide(handle, pending.hash(), DeviceAuthorization.APPROVED, now, collectBy)) {
                throw OAuthException.invalidRequest("this code was used or has expired; start again on the device");
            }
            // A device's consent page offers no vault access: an installation keeps what it had.
            authorization.recordApproval(handle, request, new AuthorizationService.Approval(userId, signedInAt,
                    organizationId, null), true, pending.hash(), now, collectBy);
            return null;
        });
    }

    /**
     * The user denied the request: the device is told access_denied at its next poll. False when it
     * was decided meanwhile (another tab approved it) or expired.
     */
    public boolean deny(Pending pending) {
        Instant now = clock.instant();
        return database.withHandle(handle -> devices.decide(handle, pending.hash(), DeviceAuthorization.DENIED, now,
                later(pending.device().expiresAt(), now.plus(DeviceAuthorization.COLLECT))));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
