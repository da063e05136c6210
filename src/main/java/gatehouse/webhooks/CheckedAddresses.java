package gatehouse.webhooks;

import gatehouse.clients.WebhookUrls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Where the webhook client may connect: the host is resolved once, every address it resolves to
 * must be public (a name could mix one public and one internal address), and the connection is
 * made to exactly those addresses. The client resolves nothing itself, so no second lookup can
 * answer differently; TLS (SNI, certificate host name) and {@code Host} still use the URL's name.
 */
final class CheckedAddresses implements SocketAddressResolver {
    /** The name resolves to an address webhooks must not reach: no use trying again. */
    static final class RefusedDestination extends IOException {
        RefusedDestination(String host) {
            super(host + " resolves to an address that is not public");
        }
    }

    private final HostResolver hosts;
    private final boolean allowPrivate;
    private final Executor lookups;

    /** {@code allowPrivate}: no address check (tests, development); still connects to what was resolved. */
    CheckedAddresses(HostResolver hosts, boolean allowPrivate, Executor lookups) {
        this.hosts = hosts;
        this.allowPrivate = allowPrivate;
        this.lookups = lookups;
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        // A lookup may block: never on one of the client's own threads.
        try {
            lookups.execute(() -> {
                try {
                    promise.succeeded(check(host, port));
                } catch (IOException | RuntimeException e) {
                    promise.failed(e);
                }
            });
        } catch (RejectedExecutionException e) {
            promise.failed(e); // stopping
        }
    }

    /**
     * The addresses to connect to, all checked, each named {@code host}: the client takes the
     * TLS peer host (SNI, certificate host name check) from the address's name, so it must be the
     * URL's. UnknownHostException when there are none.
     */
    List<InetSocketAddress> check(String host, int port) throws IOException {
        String name = unbracketed(host);
        List<InetAddress> addresses = hosts.resolve(name);
        if (addresses == null || addresses.isEmpty()) {
            throw new UnknownHostException(host);
        }
        if (!allowPrivate && !addresses.stream().allMatch(WebhookUrls::isPublic)) {
            throw new RefusedDestination(host);
        }
        List<InetSocketAddress> checked = new ArrayList<>();
        for (InetAddress address : addresses) {
            // getByAddress looks nothing up: the same address, under the URL's name.
            checked.add(new InetSocketAddress(InetAddress.getByAddress(name, address.getAddress()), port));
        }
        return List.copyOf(checked);
    }

    /** An IPv6 literal arrives as in the URL, {@code [::1]}. */
    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
