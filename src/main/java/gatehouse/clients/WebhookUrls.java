package gatehouse.clients;

import gatehouse.web.Cidr;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where webhooks may go. Gatehouse sits inside a private network, so a webhook URL is a way to make
 * it send requests there (SSRF): every special-purpose address (loopback, private, link-local with
 * the cloud metadata at 169.254.169.254, carrier-grade NAT, unique-local, unspecified, multicast,
 * documentation, translation and tunnel prefixes …) is refused unless
 * GATEHOUSE_WEBHOOK_ALLOW_PRIVATE is set (tests, development). Registration checks what it can
 * without DNS (IP literals, localhost); every delivery checks all the addresses the name resolves
 * to, and connects to those very addresses.
 */
public final class WebhookUrls {
    public static final int MAX_LENGTH = 2000;

    private WebhookUrls() {
    }

    /** Why {@code url} cannot receive webhooks, or null when it can (as far as known without DNS). */
    public static String problemWith(String url, boolean allowPrivate) {
        return problemWith("webhook_url", url, allowPrivate);
    }

    /**
     * Why {@code url}, the member {@code member} (webhook_url, jwks_uri), is not an address of an
     * app's that Gatehouse may call, or null when it is (as far as known without DNS).
     */
    public static String problemWith(String member, String url, boolean allowPrivate) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return member + " is not a valid URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            return member + " must be an https URL";
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return member + " must have a host and no user info or fragment";
        }
        if (!allowPrivate && (host.equalsIgnoreCase("localhost") || host.toLowerCase(Locale.ROOT).endsWith(".localhost")
                || isLiteral(host) && !isPublic(literal(host)))) {
            return member + " must not point at a loopback, private or link-local address";
        }
        return null;
    }

    /**
     * IPv4 ranges webhooks never reach: every entry of the IANA IPv4 Special-Purpose Address
     * Registry (RFC 6890 and its updates), multicast and the reserved class E. The few special
     * ranges the registry calls globally reachable (AS112 and AMT anycast, 192.0.0.9 and .10) are
     * refused too: an anycast service address is answered by its nearest instance, which may be
     * inside the operator's own network, and none of them is an app's webhook receiver.
     */
    private static final List<Cidr> SPECIAL_V4 = Cidr.all(
            "0.0.0.0/8",        // "this network" (RFC 791), 0.0.0.0 included
            "10.0.0.0/8",       // private (RFC 1918)
            "100.64.0.0/10",    // carrier-grade NAT shared space (RFC 6598)
            "127.0.0.0/8",      // loopback
            "169.254.0.0/16",   // link-local, cloud metadata at 169.254.169.254 (RFC 3927)
            "172.16.0.0/12",    // private (RFC 1918)
            "192.0.0.0/24",     // IETF protocol assignments (RFC 6890): DS-Lite, NAT64 discovery, PCP/TURN anycast
            "192.0.2.0/24",     // TEST-NET-1 documentation (RFC 5737)
            "192.31.196.0/24",  // AS112-v4 (RFC 7535)
            "192.52.193.0/24",  // AMT relay anycast (RFC 7450)
            "192.88.99.0/24",   // 6to4 relay anycast, deprecated (RFC 7526)
            "192.168.0.0/16",   // private (RFC 1918)
            "192.175.48.0/24",  // AS112 direct delegation (RFC 7534)
            "198.18.0.0/15",    // benchmarking (RFC 2544)
            "198.51.100.0/24",  // TEST-NET-2 documentation (RFC 5737)
            "203.0.113.0/24",   // TEST-NET-3 documentation (RFC 5737)
            "224.0.0.0/4",      // multicast (RFC 5771)
            "240.0.0.0/4");     // reserved (RFC 1112), 255.255.255.255 limited broadcast included

    /**
     * IPv6 ranges webhooks never reach: every entry of the IANA IPv6 Special-Purpose Address
     * Registry, and all space IANA has not allocated as global unicast (only 2000::/3 is), which
     * takes in multicast, link-local, site-local and unique-local addresses. The forms that carry
     * an IPv4 address ({@link #IPV4_CARRIERS}) are judged by that address first.
     */
    private static final List<Cidr> SPECIAL_V6 = Cidr.all(
            "::/128",            // unspecified
            "::1/128",           // loopback
            "::/96",             // IPv4-compatible, deprecated and unroutable (RFC 4291 §2.5.5.1)
            "64:ff9b:1::/48",    // local-use IPv4/IPv6 translation (RFC 8215)
            "100::/64",          // discard-only (RFC 6666)
            "100:0:0:1::/64",    // dummy prefix (RFC 9780)
            "2001::/23",         // IETF protocol assignments (RFC 2928): Teredo 2001::/32, benchmarking
                                 // 2001:2::/48, ORCHID, AMT, AS112, PCP/TURN/DNS-SD anycast, DETs
            "2001:db8::/32",     // documentation (RFC 3849)
            "2620:4f:8000::/48", // AS112 direct delegation (RFC 7534)
            "3fff::/20",         // documentation (RFC 9637)
            "5f00::/16",         // segment routing SIDs (RFC 9602)
            "fc00::/7",          // unique local (RFC 4193)
            "fe80::/10",         // link-local
            "fec0::/10",         // site-local, deprecated (RFC 3879)
            "ff00::/8",          // multicast
            "::/3", "4000::/2", "8000::/1"); // everything outside 2000::/3 global unicast

    /**
     * IPv6 forms that reach an IPv4 address, with the offset of its four bytes: a destination in
     * one is exactly as public as the IPv4 address it carries. (IPv4-mapped ::ffff:0:0/96 never
     * gets here: Java reads it as the IPv4 address.)
     */
    private static final List<Ipv4Carrier> IPV4_CARRIERS = List.of(
            new Ipv4Carrier(Cidr.parse("::ffff:0:0/96"), 12), // IPv4-mapped
            new Ipv4Carrier(Cidr.parse("64:ff9b::/96"), 12),  // NAT64 well-known prefix (RFC 6052)
            new Ipv4Carrier(Cidr.parse("2002::/16"), 2));     // 6to4 (RFC 3056)

    private record Ipv4Carrier(Cidr range, int offset) {
    }

    /** Whether a resolved destination is a public address, outside every special-purpose range. */
    public static boolean isPublic(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            for (Ipv4Carrier carrier : IPV4_CARRIERS) {
                if (carrier.range().contains(bytes)) {
                    return isPublic(v4(bytes, carrier.offset()));
                }
            }
        }
        return (address instanceof Inet4Address ? SPECIAL_V4 : SPECIAL_V6).stream()
                .noneMatch(range -> range.contains(bytes));
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

    private static InetAddress v4(byte[] b, int at) {
        try {
            return InetAddress.getByAddress(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
