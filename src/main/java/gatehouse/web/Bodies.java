package gatehouse.web;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.PageRequest;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/** Reads request bodies with the 64 KiB limit of docs/http.md, "Conventions" and checks their media type. */
public final class Bodies {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long DRAIN_LIMIT = 1024 * 1024;

    private Bodies() {
    }

    /** The body, refusing more than 64 KiB whether or not Content-Length announced it. */
    public static byte[] read(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        try (InputStream in = ctx.bodyInputStream()) {
            if (declared > MAX_BODY_BYTES) {
                throw tooLarge(in, declared);
            }
            if (declared >= 0) {
                // The usual case: read up to the announced size (the server stops a body at it), in
                // pieces as bytes arrive, so a client announcing 64 KiB and sending nothing holds little.
                return in.readNBytes((int) declared);
            }
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw tooLarge(in, -1);
            }
            return body;
        } catch (IOException e) {
            throw OAuthException.invalidRequest("the request body could not be read").withCause(e);
        } catch (UncheckedIOException e) {
            throw OAuthException.invalidRequest("the request body could not be read").withCause(e);
        }
    }

    /** The media type without parameters, lower-cased, or "" when absent. */
    public static String mediaType(Context ctx) {
        String type = ctx.contentType();
        if (type == null) {
            return "";
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** The query string, parsed as strictly as a form (Javalin's own parser forgives broken encoding). */
    public static FormParams query(Context ctx) {
        return FormParams.parse(ctx.queryString());
    }

    /** A {@code ?name=true|false} query flag; absent is false, anything else 400. */
    public static boolean queryFlag(Context ctx, String name) {
        String value = query(ctx).get(name);
        if (value != null && !value.equals("true") && !value.equals("false")) {
            throw OAuthException.validation(name + " must be true or false");
        }
        return "true".equals(value);
    }

    /** {@code ?limit=} and {@code ?cursor=} of a list request. */
    public static PageRequest page(Context ctx) {
        FormParams query = query(ctx);
        return PageRequest.parse(query.get("limit"), query.get("cursor"));
    }

    /** The OAuth endpoints take only form bodies; anything else is invalid_request (docs/http.md, "Conventions"). */
    public static FormParams oauthForm(Context ctx) {
        if (!"application/x-www-form-urlencoded".equals(mediaType(ctx))) {
            throw OAuthException.invalidRequest("the body must be application/x-www-form-urlencoded");
        }
        return FormParams.parse(read(ctx));
    }

    /** An HTML form post; a wrong media type is answered like any bad form. */
    public static FormParams htmlForm(Context ctx) {
        return oauthForm(ctx);
    }

    /** The management API takes only JSON; anything else is 415 (docs/http.md, "Conventions"). */
    public static JsonBody json(Context ctx) {
        if (!"application/json".equals(mediaType(ctx))) {
            throw OAuthException.of(OAuthError.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
        }
        return JsonBody.parse(read(ctx));
    }

    /**
     * The 413, after reading and dropping the rest of a moderately large body: a client still
     * writing its body when the connection closes may never see the answer. Beyond 1 MiB we stop
     * reading and let the connection close.
     */
    private static OAuthException tooLarge(InputStream in, long declared) throws IOException {
        if (declared <= DRAIN_LIMIT) {
            long skipped = 0;
            byte[] sink = new byte[8192];
            int read;
            while (skipped < DRAIN_LIMIT && (read = in.read(sink)) > 0) {
                skipped += read;
            }
        }
        return OAuthException.of(OAuthError.PAYLOAD_TOO_LARGE, "the request body exceeds " + MAX_BODY_BYTES + " bytes");
    }
}
