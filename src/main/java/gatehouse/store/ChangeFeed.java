package gatehouse.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other nodes changed, heard through PostgreSQL {@code LISTEN/NOTIFY} on one connection per
 * node. A change announces itself in its own transaction (or a trigger does it for the change), so
 * it is heard on every node exactly when it commits, never before. The in-memory caches subscribe:
 * each evicts what a payload names, and forgets everything whenever the feed starts or is lost —
 * changes made while nobody listened are unknown — and serves nothing from memory until it is back.
 */
public final class ChangeFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
    private static final long WAIT_MILLIS = 5_000;
    private static final long RETRY_MILLIS = 1_000;

    /** What one channel's subscriber does with the feed. */
    public interface Subscriber {

        /** A change committed somewhere: {@code payload} names what. */
        void heard(String payload);

        /** The feed (re)started or was lost: whatever the subscriber remembers may be stale. */
        void forgetEverything();
    }

    private final DataSource dataSource;
    private final Map<String, List<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean listening;
    private volatile boolean closed;

    public ChangeFeed(DataSource dataSource) {
        this.dataSource = dataSource;
        this.listener = Thread.ofPlatform().daemon().name("gatehouse-change-feed").unstarted(this::listen);
    }

    /** Subscribes to {@code channel} (a fixed identifier, never user input); call before {@link #start()}. */
    public void subscribe(String channel, Subscriber subscriber) {
        if (!channel.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not a channel name: " + channel);
        }
        subscribers.computeIfAbsent(channel, name -> new CopyOnWriteArrayList<>()).add(subscriber);
    }

    public void start() {
        listener.start();
    }

    /** Whether changes are being heard now; while not, what was heard before may be stale. */
    public boolean listening() {
        return listening;
    }

    /** Sends, in the caller's transaction, a payload every node hears on {@code channel} at commit. */
    public static void announce(Handle handle, String channel, String payload) {
        handle.createQuery("SELECT 1 FROM pg_notify(:channel, :payload)")
                .bind("channel", channel)
                .bind("payload", payload)
                .mapTo(Integer.class)
                .one();
    }

    private void listen() {
        while (!closed) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                for (String channel : subscribers.keySet()) {
                    statement.execute("LISTEN " + channel);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                forgetEverywhere();
                listening = true;
                while (!closed) {
                    deliver(pg.getNotifications((int) WAIT_MILLIS));
                    if (!connection.isValid(2)) {
                        throw new SQLException("listening connection lost");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (listening && !closed) {
                    log.warn("change feed lost; the caches are bypassed until it is back: {}", e.getMessage());
                }
            } finally {
                listening = false;
                forgetEverywhere();
            }
            pause();
        }
    }

    private void deliver(PGNotification[] notifications) {
        if (notifications == null) {
            return;
        }
        for (PGNotification notification : notifications) {
            for (Subscriber subscriber : subscribers.getOrDefault(notification.getName(), List.of())) {
                subscriber.heard(notification.getParameter());
            }
        }
    }

    private void forgetEverywhere() {
        subscribers.values().forEach(list -> list.forEach(Subscriber::forgetEverything));
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
