package gatehouse.ratelimit;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What a per-address budget counts by. An IPv4 address is one caller; an IPv6 host is usually given
 * a whole /64, and could spread its attempts over 2^64 addresses, so IPv6 addresses count by their
 * /64 network.
 */
final class ClientAddress {
    private ClientAddress() {
    }

    /** The budget key for {@code ip}: the address itself (IPv4, or anything unparseable), or its /64. */
    static String of(String ip) {
        if (ip == null || ip.indexOf(':') < 0) {
            return ip;
        }
        try {
            // A literal (it contains ':'), so no name is looked up.
            InetAddress address = InetAddress.getByName(ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip);
            if (!(address instanceof Inet6Address)) {
                return address.getHostAddress(); // an IPv4-mapped address
            }
            byte[] bytes = address.getAddress();
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException | RuntimeException e) {
            return ip;
        }
    }
}
