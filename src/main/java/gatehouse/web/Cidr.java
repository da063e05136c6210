package gatehouse.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Stream;

/**
 * An address block: the first {@code prefixLength} bits of {@code network}. One type for the two
 * places that match addresses against blocks: the special-purpose ranges webhooks may not reach, and
 * the trusted proxies (GATEHOUSE_TRUSTED_PROXIES).
 */
public record Cidr(byte[] network, int prefixLength) {
    /** Parses a block written in the code, such as {@code 10.0.0.0/8}: literals only, no DNS lookup. */
    public static Cidr parse(String cidr) {
        int slash = cidr.indexOf('/');
        try {
            byte[] network = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            return new Cidr(network, Integer.parseInt(cidr.substring(slash + 1)));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    public static List<Cidr> all(String... cidrs) {
        return Stream.of(cidrs).map(Cidr::parse).toList();
    }

    /** Whether {@code address} (4 or 16 bytes) lies in this block; an address of the other family never does. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        int mask = (0xff << (8 - rest)) & 0xff;
        return rest == 0 || (address[whole] & mask) == (network[whole] & mask);
    }
}
