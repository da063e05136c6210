package gatehouse.users;

import gatehouse.auth.Caller;
import gatehouse.auth.Credentials;
import gatehouse.errors.OAuthException;
import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import gatehouse.store.Database;
import gatehouse.store.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Starts, finds and ends browser sessions. The cookie value is a Gatehouse secret string. */
public final class SessionService implements Credentials.Sessions {
    /** last_seen_at is written at most this often per session, to keep reads free of writes. */
    private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);
    private static final int CSRF_LENGTH = 43;

    private final Database database;
    private final SessionRepository sessions;
    private final TokenCodec codec;
    private final Clock clock;
    private final Duration ttl;

    public SessionService(Database database, SessionRepository sessions, TokenCodec codec, Clock clock, Duration ttl) {
        this.database = database;
        this.sessions = sessions;
        this.codec = codec;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** A new session and the cookie value that opens it (shown once, stored hashed). */
    public record Started(String cookieValue, BrowserSession session) {
    }

    public Started start(User user, String ip, String userAgent) {
        Instant now = clock.instant();
        String cookieValue = codec.generate(TokenKind.SESSION);
        var session = new BrowserSession(Ids.newId(), user.id(), codec.randomBase62(CSRF_LENGTH),
                clip(ip, 64), clip(userAgent, 512), now, now, now.plus(ttl));
        database.withHandle(handle -> {
            sessions.insert(handle, session, TokenCodec.hash(cookieValue));
            return null;
        });
        return new Started(cookieValue, session);
    }

    /** The caller behind a session cookie, or empty for a missing, forged, ended or expired one. */
    @Override
    public Optional<Caller> resolve(String cookieValue) {
        if (!codec.isWellFormed(TokenKind.SESSION, cookieValue)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return database.withHandle(handle -> {
            var found = sessions.findActive(handle, TokenCodec.hash(cookieValue), now);
            if (found.isEmpty() || found.get().user().disabled()) {
                return Optional.empty();
            }
            BrowserSession session = found.get().session();
            if (session.lastSeenAt().plus(TOUCH_INTERVAL).isBefore(now)) {
                sessions.touch(handle, session.id(), now);
            }
            User user = found.get().user();
            return Optional.of(Caller.session(user.id(), user.username(), user.roles(), session.id(), session.csrfToken(),
                    session.createdAt()));
        });
    }

    public void end(Caller caller) {
        if (caller.sessionId() != null) {
            database.withHandle(handle -> sessions.end(handle, caller.userId(), caller.sessionId(), clock.instant()));
        }
    }

    public List<BrowserSession.View> list(Caller caller) {
        return database.withHandle(handle -> sessions.listActive(handle, caller.userId(), clock.instant()))
                .stream()
                .map(session -> session.view(caller.sessionId()))
                .toList();
    }

    public void endOne(Caller caller, UUID sessionId) {
        boolean ended = database.withHandle(handle -> sessions.end(handle, caller.userId(), sessionId, clock.instant()));
        if (!ended) {
            throw OAuthException.notFound("no such session");
        }
    }

    /** Ends every browser session of the caller's user but the caller's own; returns how many ended. */
    public int endOthers(Caller caller) {
        if (!caller.isSession()) {
            throw OAuthException.forbidden("only a browser session signs out the others");
        }
        return database.withHandle(handle -> sessions.endOthers(handle, caller.userId(), caller.sessionId(), clock.instant()));
    }

    public Duration ttl() {
        return ttl;
    }

    private static String clip(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
