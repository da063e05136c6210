package gatehouse.oauth;

import gatehouse.auth.DPoPProofs;
import gatehouse.errors.OAuthException;
import gatehouse.tokens.TokenRepository;
import gatehouse.tokens.TokenService;
import java.util.List;

/**
 * The access token a request to one of Gatehouse's own OAuth resources (UserInfo, token info)
 * presents: live, and presented as its binding requires — a bearer token as {@code Bearer}, a
 * DPoP-bound one as {@code DPoP} with a proof by its key over this request (RFC 9449 §7).
 */
public final class ResourceTokens {
    private final TokenService tokens;
    private final DPoPProofs proofs;

    public ResourceTokens(TokenService tokens, DPoPProofs proofs) {
        this.tokens = tokens;
        this.proofs = proofs;
    }

    /** The live token, or 401: unknown, expired, revoked, or presented without what its binding needs. */
    public TokenRepository.FoundAccess require(String authorization, List<String> proofHeaders, String method,
                                               String path) {
        DPoPProofs.Presented presented = DPoPProofs.presented(authorization);
        var found = tokens.findActiveAccessToken(presented.value()).orElseThrow(() -> DPoPProofs.unknownToken(presented));
        if (found.token().audience() != null) {
            // RFC 8707: a token asked for another resource server is not Gatehouse's to accept.
            throw OAuthException.invalidToken("this token is for " + found.token().audience() + ", not for Gatehouse");
        }
        proofs.requireBinding(presented, found.token().dpopJkt(), proofHeaders, method, path);
        return found;
    }
}
