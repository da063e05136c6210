package gatehouse.users;

import gatehouse.auth.CallerResolver;
import gatehouse.secrets.TokenCodec;
import gatehouse.web.FormParams;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Double-submit cookie guarding the HTML forms that come before a session exists (sign-in,
 * password reset, email verification): the page puts the cookie's value in a hidden field, and
 * the post must bring both, equal. Also formats Gatehouse's cookies.
 */
public final class FormCsrf {
    static final String COOKIE = "gatehouse_login_csrf";
    private static final int LENGTH = 43;

    private final TokenCodec codec;
    private final boolean secureCookies;

    public FormCsrf(TokenCodec codec, boolean secureCookies) {
        this.codec = codec;
        this.secureCookies = secureCookies;
    }

    /** The value for the form's hidden {@code csrf_token} field, setting the cookie when there is none yet. */
    public String token(Context ctx) {
        String existing = ctx.cookie(COOKIE);
        if (existing != null && existing.length() == LENGTH && existing.chars().allMatch(Character::isLetterOrDigit)) {
            return existing;
        }
        String fresh = codec.randomBase62(LENGTH);
        ctx.res().addHeader("Set-Cookie", cookie(COOKIE, fresh, 3600));
        return fresh;
    }

    /** True when the posted form's token equals the cookie (compared in constant time). */
    public boolean matches(Context ctx, FormParams form) {
        String posted = form.get("csrf_token");
        String cookie = ctx.cookie(COOKIE);
        return posted != null && cookie != null
                && MessageDigest.isEqual(posted.getBytes(StandardCharsets.UTF_8), cookie.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code Set-Cookie} value: HttpOnly, SameSite=Lax, Secure when the issuer is https. */
    /** The Set-Cookie value that removes the browser session's cookie (signing out). */
    public String expiredSessionCookie() {
        return cookie(CallerResolver.SESSION_COOKIE, "", 0);
    }

    public String cookie(String name, String value, long maxAgeSeconds) {
        return cookie(name, value, maxAgeSeconds, "/");
    }

    /** The same, sent back only to paths under {@code path}. */
    public String cookie(String name, String value, long maxAgeSeconds, String path) {
        return name + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax"
                + (secureCookies ? "; Secure" : "");
    }
}
