package gatehouse.audit;

/**
 * Where the current request came from, for the audit log: set by the HTTP layer when a request
 * starts and cleared when it ends, so services record it without passing it through every call.
 */
public final class RequestOrigin {
    /** IP address and User-Agent of one request. */
    public record Origin(String ip, String userAgent) {
    }

    private static final ThreadLocal<Origin> CURRENT = new ThreadLocal<>();

    private RequestOrigin() {
    }

    public static void set(String ip, String userAgent) {
        CURRENT.set(new Origin(ip, userAgent == null || userAgent.length() <= 512 ? userAgent : userAgent.substring(0, 512)));
    }

    public static void clear() {
        CURRENT.remove();
    }

    /** The origin of the request being handled, or an empty one outside a request. */
    public static Origin current() {
        Origin origin = CURRENT.get();
        return origin == null ? new Origin(null, null) : origin;
    }
}
