package gatehouse.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Gatehouse's HTTP/1.1 listener: Jetty's, except that a connection is closed the way RFC 9112
 * §9.6 asks. Jetty closes a connection at once after answering a request it did not read to the
 * end (a 414 or 431, a malformed request line, a body nobody read); closing a socket with unread
 * bytes makes the kernel send a reset, which can destroy the answer still in flight and fails
 * the client's write before it reads the answer. Here the server first half-closes (the answer is
 * followed by a FIN) and reads and discards what the client still sends, for a short while, then
 * closes.
 */
public final class LingeringConnector extends ServerConnector {
    /** How long a closing connection may keep discarding input, at most. */
    static final Duration LINGER = Duration.ofSeconds(3);
    /** A closing connection whose client sends nothing for this long is closed. */
    static final Duration QUIET = Duration.ofMillis(200);
    private static final long POLL_MILLIS = 10;
    /**
     * Closing connections lingering at once, at most: past that a connection closes at once, so a
     * flood of aborted requests cannot hold sockets and threads outside Jetty's own accounting.
     */
    static final int MAX_LINGERING = 256;
    private static final Semaphore LINGERING = new Semaphore(MAX_LINGERING);

    private LingeringConnector(Server server, HttpConfiguration http) {
        super(server, new HttpConnectionFactory(http));
    }

    /** A listener on {@code host:port} (port 0: any free port) with Jetty's HTTP configuration. */
    public static LingeringConnector on(Server server, HttpConfiguration http, String host, int port) {
        var connector = new LingeringConnector(server, http);
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        var endpoint = new LingeringEndPoint(channel, selector, key, this);
        endpoint.setIdleTimeout(getIdleTimeout());
        return endpoint;
    }

    private static final class LingeringEndPoint extends SocketChannelEndPoint {
        LingeringEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ServerConnector connector) {
            super(channel, selector, key, connector.getScheduler());
        }

        @Override
        public void doClose() {
            SocketChannel channel = getChannel();
            if (!channel.isOpen() || !LINGERING.tryAcquire()) {
                super.doClose();
                return;
            }
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                LINGERING.release();
                super.doClose();
                return;
            }
            Thread.ofVirtual().name("gatehouse-linger").start(() -> {
                try {
                    drain(channel);
                } finally {
                    LINGERING.release();
                    super.doClose();
                }
            });
        }

        /** Reads and drops input until the client closes, goes quiet, or the linger time is up. */
        private static void drain(SocketChannel channel) {
            ByteBuffer scratch = ByteBuffer.allocate(16 * 1024);
            long deadline = System.nanoTime() + LINGER.toNanos();
            long quietSince = System.nanoTime();
            try {
                while (System.nanoTime() < deadline) {
                    scratch.clear();
                    int read = channel.read(scratch);
                    if (read < 0) {
                        return;
                    }
                    if (read > 0) {
                        quietSince = System.nanoTime();
                    } else if (System.nanoTime() - quietSince > QUIET.toNanos()) {
                        return;
                    } else {
                        Thread.sleep(POLL_MILLIS);
                    }
                }
            } catch (IOException e) {
                // the client reset or went away: nothing left to protect
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
