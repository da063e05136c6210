package gatehouse.oauth;

import java.time.Instant;
import java.util.Optional;

/** What the device_code grant reads and writes of a device authorization, in the grant's unit of work. */
public interface DevicePolls {

    /**
     * The authorization its device code's hash names, held until the unit of work ends; empty when
     * unknown or held by another poll right now (polls never queue for it).
     */
    Optional<DeviceAuthorization> lock(Tx tx, byte[] hash);

    /** Whether an authorization has this hash, locked or not. */
    boolean exists(Tx tx, byte[] hash);

    /** Records a poll at {@code now} and the interval the device must keep from now on. */
    void recordPoll(Tx tx, byte[] hash, Instant now, int intervalSeconds);

    static DevicePolls postgres(DeviceAuthorizationRepository repository) {
        return new DevicePolls() {
            @Override
            public Optional<DeviceAuthorization> lock(Tx tx, byte[] hash) {
                return repository.lock(PostgresTransactions.handle(tx), hash);
            }

            @Override
            public boolean exists(Tx tx, byte[] hash) {
                return repository.exists(PostgresTransactions.handle(tx), hash);
            }

            @Override
            public void recordPoll(Tx tx, byte[] hash, Instant now, int intervalSeconds) {
                repository.recordPoll(PostgresTransactions.handle(tx), hash, now, intervalSeconds);
            }
        };
    }
}
