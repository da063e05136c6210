package gatehouse.oauth;

import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import gatehouse.errors.OAuthException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/** PKCE (RFC 7636), S256 only: {@code plain} would let a stolen code be redeemed. */
public final class Pkce {
    /** An S256 challenge is the base64url SHA-256 of the verifier: always 43 characters. */
    private static final Pattern S256_CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");

    private Pkce() {
    }

    /**
     * Checks the authorization request's PKCE parameters and returns the challenge to store (null
     * when none was sent). A challenge without {@code code_challenge_method} means {@code plain}
     * (RFC 7636 §4.3), which is refused.
     */
    public static String challengeOf(String challenge, String method, boolean required) {
        if (challenge == null) {
            if (method != null) {
                throw OAuthException.invalidRequest("code_challenge_method was sent without code_challenge");
            }
            if (required) {
                throw OAuthException.invalidRequest("this app must use PKCE: send code_challenge with code_challenge_method=S256");
            }
            return null;
        }
        if (!"S256".equals(method)) {
            throw OAuthException.invalidRequest("code_challenge_method must be S256");
        }
        if (!S256_CHALLENGE.matcher(challenge).matches()) {
            throw OAuthException.invalidRequest("code_challenge must be 43 base64url characters");
        }
        return challenge;
    }

    /** True when {@code verifier} is well-formed and hashes to {@code challenge}. */
    public static boolean verify(String challenge, String verifier) {
        if (challenge == null || verifier == null) {
            return false;
        }
        CodeVerifier parsed;
        try {
            parsed = new CodeVerifier(verifier);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String computed = CodeChallenge.compute(CodeChallengeMethod.S256, parsed).getValue();
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), challenge.getBytes(StandardCharsets.US_ASCII));
    }
}
