package gatehouse.vault;

import gatehouse.audit.Actor;
import gatehouse.audit.AuditLog;
import gatehouse.crypto.Encryption;
import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's scheduled look at its connections (docs/vault-events.md, "Credential checks"), run by
 * the refresher: a cheap identity call per credential every {@code GATEHOUSE_VAULT_CHECK_INTERVAL}
 * (or its definition's {@code check_interval_seconds}), so a grant revoked at the provider shows
 * {@code needs_reauth} before a caller finds out; and {@code connection.expiring} once for a token
 * that cannot be renewed and expires within seven days.
 *
 * <p>A check that fails because the provider refused the token marks the connections for
 * re-authorization only if the token is still the one checked: a refresh that replaced it meanwhile
 * is not a revocation. Transient failures wait for the next check.
 */
public final class CredentialChecks {
    private static final Logger log = LoggerFactory.getLogger(CredentialChecks.class);
    static final Duration EXPIRING_WITHIN = Duration.ofDays(7);
    private static final Duration CLAIM = Duration.ofMinutes(5);
    private static final int BATCH = 50;

    private final Database database;
    private final VaultRepository vault;
    private final Platforms platforms;
    private final CredentialSeal seal;
    private final AuditLog audit;
    private final ConnectionEvents events;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final Duration defaultInterval;
    private final TokenLookup lookup;

    public CredentialChecks(Database database, VaultRepository vault, Platforms platforms, Encryption encryption,
                            AuditLog audit, ConnectionEvents events, Clock clock, MeterRegistry metrics,
                            Duration defaultInterval, TokenLookup lookup) {
        this.lookup = lookup;
        this.database = database;
        this.vault = vault;
        this.platforms = platforms;
        this.seal = new CredentialSeal(encryption);
        this.audit = audit;
        this.events = events;
        this.clock = clock;
        this.metrics = metrics;
        this.defaultInterval = defaultInterval;
    }

    /** One pass: the checks due, then the expiry warnings due. Never throws for one credential. */
    public void runOnce() {
        Instant now = clock.instant();
        List<UUID> due = database.withHandle(handle -> vault.claimDueForCheck(handle, now, defaultInterval, now.plus(CLAIM), BATCH));
        for (UUID id : due) {
            try {
                check(id);
            } catch (RuntimeException e) {
                log.warn("checking vault credential {} failed: {}", id, e.toString());
            }
        }
        warnExpiring(now);
    }

    private void check(UUID credentialId) {
        var stored = database.withHandle(handle -> vault.findCredential(handle, credentialId)).orElse(null);
        if (stored == null) {
            return;
        }
        Platform platform;
        try {
            platform = platforms.forCredential(stored.platform(), stored.kind());
        } catch (RuntimeException e) {
            return; // no longer configured: nothing to call
        }
        Credential checked = seal.open(stored.material());
        String outcome = outcome(credentialId, checked, platform);
        metrics.counter("gatehouse_vault_checks", "platform", stored.platform(), "outcome", outcome).increment();
        Instant now = clock.instant();
        Duration interval = platforms.isKnown(stored.platform()) ? platforms.definition(stored.platform()).checkInterval()
                : defaultInterval;
        database.withHandle(handle -> {
            vault.recordCheck(handle, credentialId, "passed".equals(outcome) ? now : null, now.plus(interval));
            return null;
        });
    }

    private String outcome(UUID credentialId, Credential checked, Platform platform) {
        try {
            platform.check(checked);
            return "passed";
        } catch (ProviderException e) {
            return e.kind() == ProviderException.Kind.PERMANENT ? refused(credentialId, checked, platform, e) : "unavailable";
        }
    }

    /**
     * The provider refused the token. A renewable credential is renewed first, as a lookup would
     * (a dead grant then needs re-authorization through the refresh's own rules); otherwise its
     * connections need re-authorization — unless a refresh holds or replaced it meanwhile.
     */
    private String refused(UUID credentialId, Credential checked, Platform platform, ProviderException e) {
        if (platform.canRefresh(checked)) {
            var live = database.withHandle(handle -> vault.liveOfCredential(handle, credentialId));
            if (!live.isEmpty()) {
                try {
                    if (lookup.renewRejected(live.getFirst(), checked.accessToken()) != null) {
                        return "renewed";
                    }
                } catch (OAuthException failed) {
                    return failed.error() == OAuthError.REAUTHORIZATION_REQUIRED ? "refused" : "unavailable";
                }
            }
        }
        String error = "check_failed:" + e.providerError();
        boolean marked = database.inTransaction(handle -> {
            var locked = vault.lockCredential(handle, credentialId).orElse(null);
            if (locked == null || locked.leased() || !checked.accessToken().equals(seal.open(locked.material()).accessToken())) {
                return false;
            }
            for (Connection connection : vault.markNeedsReauth(handle, credentialId, error, clock.instant())) {
                Map<String, Object> details = new LinkedHashMap<>(connection.auditDetails());
                details.put("error", e.providerError());
                audit.record(handle, Actor.SYSTEM, AuditLog.Event.of("connection.check_failed")
                        .organization(connection.organizationId()).details(details));
                events.changed(handle, "connection.needs_reauth", connection, error);
            }
            return true;
        });
        log.info("a {} credential {} failed its check ({}){}", platform.name(), credentialId, e.providerError(),
                marked ? "; its connections need re-authorization" : ", but was renewed meanwhile");
        return marked ? "refused" : "superseded";
    }

    /** {@code connection.expiring}: once per expiry of a token nothing can renew, seven days ahead. */
    private void warnExpiring(Instant now) {
        database.inTransaction(handle -> {
            for (UUID credentialId : vault.claimExpiringUnwarned(handle, now, now.plus(EXPIRING_WITHIN))) {
                for (Connection connection : vault.liveOfCredential(handle, credentialId)) {
                    events.changed(handle, "connection.expiring", connection, null);
                    metrics.counter("gatehouse_vault_expiry_warnings", "platform",
                            connection.platform().toLowerCase(Locale.ROOT)).increment();
                }
            }
            return null;
        });
    }
}
