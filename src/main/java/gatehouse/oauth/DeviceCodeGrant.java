package gatehouse.oauth;

import gatehouse.clients.Client;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * {@code urn:ietf:params:oauth:grant-type:device_code} (RFC 8628 §3.4): the device polls with its
 * device code while its user decides at {@code /device}. Until then it is told
 * {@code authorization_pending}, or {@code slow_down} when it polls sooner than its interval (which
 * then grows by five seconds, RFC 8628 §3.5); then {@code access_denied} or the tokens, once; after
 * ten minutes {@code expired_token}. Polls of one device code are serialized by a row lock, so two
 * at once cannot both redeem it. The approval is an authorization code under the device code's
 * hash; redeeming it is {@link CodeRedemption}'s, exactly as for a browser's code.
 */
public final class DeviceCodeGrant implements Grant {
    private final Transactions transactions;
    private final DevicePolls polls;
    private final AuthorizationCodes codes;
    private final CodeRedemption redemption;
    private final TokenCodec codec;
    private final Clock clock;

    public DeviceCodeGrant(Transactions transactions, DevicePolls polls, AuthorizationCodes codes, Issuance issuance,
                           IdTokens idTokens, String issuer, TokenCodec codec, Clock clock) {
        this.transactions = transactions;
        this.polls = polls;
        this.codes = codes;
        this.redemption = new CodeRedemption(issuance, idTokens, issuer);
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public String type() {
        return Client.DEVICE_CODE;
    }

    @Override
    public Set<String> parameters() {
        return Set.of("device_code", "resource");
    }

    @Override
    public TokenResponse exchange(Client client, Map<String, String> params, String dpopJkt) {
        String deviceCode = params.get("device_code");
        if (deviceCode == null) {
            throw OAuthException.invalidRequest("device_code is required");
        }
        if (!codec.isWellFormed(TokenKind.DEVICE_CODE, deviceCode)) {
            throw OAuthException.invalidGrant("malformed device code");
        }
        Instant now = clock.instant();
        // A poll's record (and a slowed-down interval) must commit even though the answer is an error.
        return transactions.inTransaction(tx -> poll(tx, client, TokenCodec.hash(deviceCode), params, dpopJkt, now)).orThrow();
    }

    private Outcome poll(Tx tx, Client client, byte[] hash, Map<String, String> params, String dpopJkt, Instant now) {
        var found = polls.lock(tx, hash);
        if (found.isEmpty() && polls.exists(tx, hash)) {
            // Another poll of the same code holds it: this one is too soon by definition.
            return Outcome.refused(OAuthError.SLOW_DOWN, "another poll of this device code is under way");
        }
        if (found.isEmpty() || !found.get().clientId().equals(client.clientId())) {
            return Outcome.refused("unknown device code, or another app's");
        }
        DeviceAuthorization device = found.get();
        if (DeviceAuthorization.DENIED.equals(device.decision())) {
            return Outcome.refused(OAuthError.ACCESS_DENIED, "the user denied the request");
        }
        if (device.expiredAt(now)) {
            return Outcome.refused(OAuthError.EXPIRED_TOKEN, "the device code expired; start a new device authorization");
        }
        ResourceServers.requireAuthorized(params.get("resource"), device.resource());
        if (DeviceAuthorization.APPROVED.equals(device.decision())) {
            return codes.consume(tx, hash, client.clientId(), now)
                    .map(approval -> redemption.redeem(tx, client, approval, type(), dpopJkt, now))
                    .orElseGet(() -> Outcome.refused("the device code was used already"));
        }
        if (device.tooSoon(now)) {
            int slower = device.intervalSeconds() + DeviceAuthorization.SLOW_DOWN_STEP;
            polls.recordPoll(tx, hash, now, slower);
            return Outcome.refused(OAuthError.SLOW_DOWN, "poll at most every " + slower + " seconds");
        }
        polls.recordPoll(tx, hash, now, device.intervalSeconds());
        return Outcome.refused(OAuthError.AUTHORIZATION_PENDING, "the user has not decided yet");
    }
}
