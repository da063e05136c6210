package gatehouse.http;

import gatehouse.errors.OAuthError;
import gatehouse.web.Json;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches Javalin (an undecodable path, headers too large, a
 * malformed request line) get the contract's JSON body and a request ID too, instead of Jetty's
 * HTML page, whatever the method.
 *
 * <p>When Jetty will close the connection after such an answer (it stops reading at a malformed
 * request line or header), the answer says {@code Connection: close}: Jetty omits it when it could
 * not even read the request's HTTP version, and a client would otherwise send its next request
 * into a closing connection.
 */
final class JettyErrors extends ErrorHandler {

    /** Every method gets the body (Jetty's default leaves PUT, DELETE and the rest with none). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        int answered = status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505 ? HttpStatus.BAD_REQUEST_400 : status;
        response.setStatus(answered);
        if (!request.getConnectionMetaData().isPersistent()) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("X-Request-Id", UUID.randomUUID().toString());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body(answered)), callback);
    }

    /**
     * The §1 body for {@code status}. A request line that is not HTTP/1.x (a raw line break in it,
     * no version) reaches here as 505 from Jetty's parser and is answered as the 400 it is.
     */
    private static byte[] body(int status) {
        OAuthError error = switch (status) {
            case 404 -> OAuthError.NOT_FOUND;
            case 413 -> OAuthError.PAYLOAD_TOO_LARGE;
            case 415 -> OAuthError.UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? OAuthError.SERVER_ERROR : OAuthError.INVALID_REQUEST;
        };
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.code());
        body.put("error_description", switch (status) {
            case 414 -> "the request line is too long";
            case 431 -> "the request headers are too large";
            default -> status >= 500 ? "internal error" : "the request is malformed";
        });
        body.put("error_uri", null);
        return Json.write(body);
    }
}
