package gatehouse.clients;

import gatehouse.scopes.ScopeService;
import gatehouse.store.ChangeFeed;
import gatehouse.store.NotifiedCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Apps by client_id, in memory, so the token and introspection endpoints skip a query per
 * request. Every change to an app sends {@code NOTIFY gatehouse_clients} in its transaction; each
 * node hears it on its {@link ChangeFeed} and evicts, so a rotated secret or deleted app stops
 * working everywhere at commit. While the feed is down the cache is bypassed.
 */
public final class ClientCache implements ChangeFeed.Subscriber, ScopeService.RestrictionChanges {
    public static final String CHANNEL = "gatehouse_clients";
    /** The payload meaning "every app changed" (a catalog scope's restriction, which every app's allowed scopes read). */
    static final String EVERY_APP = "*";
    private static final int MAX_APPS = 10_000;

    private final NotifiedCache<String, Client> apps;

    public ClientCache(ChangeFeed feed, Clock clock, Duration ttl) {
        this.apps = new NotifiedCache<>(feed::listening, clock, MAX_APPS, (client, loadedAt) -> loadedAt.plus(ttl));
        feed.subscribe(CHANNEL, this);
    }

    /** The cached app, or what {@code loader} finds. */
    public Optional<Client> get(String clientId, Function<String, Optional<Client>> loader) {
        return apps.get(clientId, loader);
    }

    /** Forgets one app on this node (other nodes hear the NOTIFY sent with the change). */
    public void evict(String clientId) {
        apps.evict(clientId);
    }

    /** Forgets every app on this node (other nodes hear the NOTIFY sent by {@link #announceEveryApp}). */
    public void clear() {
        apps.clear();
    }

    /** Sends, in the caller's transaction, the NOTIFY that makes every node forget the app at commit. */
    static void announce(Handle handle, String clientId) {
        ChangeFeed.announce(handle, CHANNEL, clientId);
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

    @Override
    public void heard(String payload) {
        if (EVERY_APP.equals(payload)) {
            clear();
        } else {
            evict(payload);
        }
    }

    @Override
    public void forgetEverything() {
        clear();
    }
}
