package gatehouse.tokens;

import java.util.List;

/**
 * The user behind a token, as the token lookups return it (null fields for actor {@code app});
 * {@code emailVerified} is null when the token acts for no user.
 */
public record TokenOwner(String username, List<String> roles, boolean disabled, Boolean emailVerified) {
    public static final TokenOwner NONE = new TokenOwner(null, List.of(), false, null);
}
