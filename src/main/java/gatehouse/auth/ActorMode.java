package gatehouse.auth;

import java.util.Arrays;
import java.util.List;

/**
 * Whom a token acts as: the app itself ({@code app}, no user) or the user who approved it
 * ({@code self}). The wire and the database spell them in lower case; every comparison goes
 * through here.
 */
public enum ActorMode {
    APP("app"),
    SELF("self");

    /** Both spellings, in the order apps list them. */
    public static final List<String> VALUES = Arrays.stream(values()).map(ActorMode::value).toList();

    private final String value;

    ActorMode(String value) {
        this.value = value;
    }

    /** The spelling on the wire and in the database. */
    public String value() {
        return value;
    }

    /** Whether {@code actor} (as spelled on the wire) is this mode. */
    public boolean is(String actor) {
        return value.equals(actor);
    }
}
