package gatehouse.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Looks up a webhook host's addresses. Webhook delivery asks once per connection, checks every
 * answer and connects to exactly those addresses, so a name that answers differently the next
 * time (DNS rebinding) cannot lead the connection elsewhere. Tests stand in their own answers.
 */
@FunctionalInterface
public interface HostResolver {
    HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    List<InetAddress> resolve(String host) throws UnknownHostException;
}
