package gatehouse.clients;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where webhooks may go. Gatehouse sits inside a private network, so a webhook URL is a way to make
 * it send requests there (SSRF): loopback, private, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, unique-local and unspecified addresses are refused unless
 * GATEHOUSE_WEBHOOK_ALLOW_PRIVATE is set (tests, development). Registration checks what it can
 * without DNS (IP literals, localhost); every delivery checks the addresses the name resolves to.
 */
public final class WebhookUrls {
    public static final int MAX_LENGTH = 2000;

    private WebhookUrls() {
    }

    /** Why {@code url} cannot receive webhooks, or null when it can (as far as known without DNS). */
    public static String problemWith(String url, boolean allowPrivate) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            return "webhook_url is not a valid URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            return "webhook_url must be an https URL";
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return "webhook_url must have a host and no user info or fragment";
        }
        if (!allowPrivate && (host.equalsIgnoreCase("localhost") || host.toLowerCase(Locale.ROOT).endsWith(".localhost")
                || isLiteral(host) && !isPublic(literal(host)))) {
            return "webhook_url must not point at a loopback, private or link-local address";
        }
        return null;
    }

    /** Whether a resolved destination is a public address. */
    public static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            int third = b[2] & 0xff;
            return first != 0 && first < 224 // 0/8, multicast and reserved 240/4
                    && !(first == 100 && second >= 64 && second < 128) // 100.64/10 carrier-grade NAT
                    && !(first == 192 && second == 0 && (third == 0 || third == 2)) // 192.0.0/24, TEST-NET-1
                    && !(first == 198 && (second == 18 || second == 19)) // 198.18/15 benchmarking
                    && !(first == 198 && second == 51 && third == 100) // TEST-NET-2
                    && !(first == 203 && second == 0 && third == 113); // TEST-NET-3
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local
            }
            // IPv4 carried inside IPv6 reaches that IPv4 address: judge it by that.
            if (isMappedV4(b) || isCompatibleV4(b)) {
                return isPublic(v4(b, 12));
            }
            if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                    && allZero(b, 4, 12)) {
                return isPublic(v4(b, 12)); // 64:ff9b::/96 NAT64
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
                return isPublic(v4(b, 2)); // 2002::/16 6to4
            }
        }
        return true;
    }

    private static boolean isLiteral(String host) {
        return host.startsWith("[") || host.matches("[0-9.]+") || host.contains(":");
    }

    private static InetAddress literal(String host) {
        try {
            // A literal: no DNS lookup happens.
            return InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress(); // unparseable: treat as refused
        }
    }

    private static boolean isMappedV4(byte[] b) {
        return allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** {@code ::a.b.c.d} (deprecated IPv4-compatible; {@code ::1} reads as 0.0.0.1, not public either). */
    private static boolean isCompatibleV4(byte[] b) {
        return allZero(b, 0, 12);
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress v4(byte[] b, int at) {
        try {
            return InetAddress.getByAddress(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
