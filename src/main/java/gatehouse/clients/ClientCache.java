package gatehouse.clients;

import gatehouse.scopes.ScopeService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apps by client_id, in memory, so the token and introspection endpoints skip a query per
 * request. Every change to an app sends {@code NOTIFY gatehouse_clients} in its transaction; each
 * node LISTENs and evicts, so a rotated secret or deleted app stops working everywhere at commit.
 * While the listening connection is down the cache is bypassed: correctness never depends on it.
 */
public final class ClientCache implements AutoCloseable, ScopeService.RestrictionChanges {
    public static final String CHANNEL = "gatehouse_clients";
    /** The payload meaning "every app changed" (a catalog scope's restriction, which every app's allowed scopes read). */
    static final String EVERY_APP = "*";
    private static final Logger log = LoggerFactory.getLogger(ClientCache.class);

    private final DataSource dataSource;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Bumped by every eviction: a load that overlapped one must not be cached (it may be stale). */
    private final AtomicLong evictions = new AtomicLong();
    private final Thread listener;
    private volatile boolean listening;
    private volatile boolean closed;

    private record Entry(Client client, Instant expires) {
    }

    public ClientCache(DataSource dataSource, Clock clock, Duration ttl) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.ttl = ttl;
        this.listener = Thread.ofPlatform().daemon().name("gatehouse-client-cache").unstarted(this::listen);
        this.listener.start();
    }

    /** The cached app, or what {@code loader} finds (cached only while notifications are flowing). */
    public Optional<Client> get(String clientId, Function<String, Optional<Client>> loader) {
        Instant now = clock.instant();
        Entry entry = entries.get(clientId);
        if (entry != null && listening && now.isBefore(entry.expires())) {
            return Optional.of(entry.client());
        }
        long evictionsBefore = evictions.get();
        Optional<Client> loaded = loader.apply(clientId);
        if (loaded.isPresent() && listening && evictions.get() == evictionsBefore) {
            entries.put(clientId, new Entry(loaded.get(), now.plus(ttl)));
        } else {
            entries.remove(clientId);
        }
        return loaded;
    }

    /** Forgets one app on this node (other nodes hear the NOTIFY sent with the change). */
    public void evict(String clientId) {
        evictions.incrementAndGet();
        entries.remove(clientId);
    }

    /** Forgets every app on this node (other nodes hear the NOTIFY sent by {@link #announceEveryApp}). */
    public void clear() {
        evictions.incrementAndGet();
        entries.clear();
    }

    /** Sends, in the caller's transaction, the NOTIFY that makes every node forget the app at commit. */
    static void announce(Handle handle, String clientId) {
        handle.createQuery("SELECT 1 FROM pg_notify('" + CHANNEL + "', :clientId)")
                .bind("clientId", clientId)
                .mapTo(Integer.class)
                .one();
    }

    /** Sends, in the caller's transaction, the NOTIFY that makes every node forget every app at commit. */
    public static void announceEveryApp(Handle handle) {
        announce(handle, EVERY_APP);
    }

    /** A scope's restriction changed: every node forgets every app when the edit commits. */
    @Override
    public void changed(Handle handle) {
        announceEveryApp(handle);
    }

    /** ... and this node at once (scope edits are rare). */
    @Override
    public void committed() {
        clear();
    }

    private void heard(String payload) {
        if (EVERY_APP.equals(payload)) {
            clear();
        } else {
            evict(payload);
        }
    }

    private void listen() {
        while (!closed) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
                PGConnection pg = connection.unwrap(PGConnection.class);
                evictions.incrementAndGet();
                entries.clear(); // changes made while we were not listening are unknown
                listening = true;
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(5_000);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            heard(notification.getParameter());
                        }
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("listening connection lost");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (listening && !closed) {
                    log.warn("client cache: lost the change feed, bypassing the cache until it is back: {}", e.getMessage());
                }
            } finally {
                listening = false;
                evictions.incrementAndGet();
                entries.clear();
            }
            pause();
        }
    }

    private void pause() {
        try {
            Thread.sleep(1_000);
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
