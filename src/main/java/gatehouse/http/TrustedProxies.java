package gatehouse.http;

import gatehouse.web.Cidr;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who the client is (GATEHOUSE_TRUSTED_PROXIES). The client's IP is the TCP peer's address, unless
 * the peer is one of the trusted proxies: then {@code X-Forwarded-For} is read from the right (each
 * proxy appends the address it saw), trusted addresses are skipped, and the first untrusted one is
 * the client. An entry that is not an IP address ends the walk at the last trusted hop, since
 * whatever stands left of it may have been written by anyone. Without trusted proxies the header is
 * ignored: any client could otherwise pick its IP and step around every per-IP limit.
 *
 * <p>Installed as Javalin's IP resolver, so {@code ctx.ip()}, the request log, the audit log and
 * every limit see the same address. Nothing here ever asks DNS: only IP literals are accepted.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final List<Cidr> blocks;

    private TrustedProxies(List<Cidr> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /**
     * Parses a comma-separated list of CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}; a bare
     * address is a block of one), adding one line to {@code problems} per bad entry.
     */
    public static TrustedProxies parse(String name, String list, List<String> problems) {
        if (list == null || list.isBlank()) {
            return NONE;
        }
        List<Cidr> blocks = new ArrayList<>();
        for (String entry : list.split(",")) {
            String cidr = entry.trim();
            Cidr block = block(cidr);
            if (block == null) {
                problems.add(name + ": '" + cidr + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
            } else {
                blocks.add(block);
            }
        }
        return new TrustedProxies(blocks);
    }

    private static Cidr block(String cidr) {
        int slash = cidr.indexOf('/');
        InetAddress address = literal(slash < 0 ? cidr : cidr.substring(0, slash));
        if (address == null) {
            return null;
        }
        int bits = address.getAddress().length * 8;
        if (slash < 0) {
            return new Cidr(address.getAddress(), bits);
        }
        String prefix = cidr.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > bits) {
            return null;
        }
        return new Cidr(address.getAddress(), Integer.parseInt(prefix));
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Javalin's IP resolver: the client's address for this request, by the rule above. */
    public String clientIp(Context ctx) {
        if (blocks.isEmpty()) {
            return ctx.req().getRemoteAddr();
        }
        return clientIp(ctx.req().getRemoteAddr(), Collections.list(ctx.req().getHeaders("X-Forwarded-For")));
    }

    /**
     * The client's address given the TCP peer and the {@code X-Forwarded-For} header fields in the
     * order received (several fields count as one comma-joined list, RFC 9110 §5.3).
     */
    String clientIp(String peer, List<String> forwardedFor) {
        InetAddress peerAddress = literal(unbracketed(peer));
        if (peerAddress == null || !trusted(peerAddress)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String field : forwardedFor) {
            for (String hop : field.split(",", -1)) {
                hops.add(hop.trim());
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                return client;
            }
            client = hop.getHostAddress();
            if (!trusted(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean trusted(InetAddress address) {
        for (Cidr block : blocks) {
            if (block.contains(address.getAddress())) {
                return true;
            }
        }
        return false;
    }

    private static String unbracketed(String address) {
        return address != null && address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
    }

    /**
     * The address written as {@code text}, or null when it is not a plain IPv4 or IPv6 literal (no
     * host names, ports or zone IDs). IPv4-mapped IPv6 addresses come back as IPv4.
     */
    static InetAddress literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            return byAddress(bytes);
        }
        if (text.indexOf(':') < 0 || !IPV6.matcher(text).matches()) {
            return null;
        }
        try {
            // A colon makes the JDK parse the text as an IPv6 literal, never look it up.
            return InetAddress.getByName(text);
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
