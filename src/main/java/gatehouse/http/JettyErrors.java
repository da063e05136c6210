package gatehouse.http;

import gatehouse.errors.OAuthError;
import gatehouse.web.Json;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches Javalin (an undecodable path, headers too large, a
 * malformed request line) get the contract's JSON body and a request ID too, instead of Jetty's
 * HTML page.
 */
final class JettyErrors extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        String requestId = UUID.randomUUID().toString();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("X-Request-Id", requestId);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body(status)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        fields.put("X-Request-Id", UUID.randomUUID().toString());
        return ByteBuffer.wrap(body(status));
    }

    private static byte[] body(int status) {
        OAuthError error = switch (status) {
            case 404 -> OAuthError.NOT_FOUND;
            case 413 -> OAuthError.PAYLOAD_TOO_LARGE;
            case 415 -> OAuthError.UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? OAuthError.SERVER_ERROR : OAuthError.INVALID_REQUEST;
        };
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.code());
        body.put("error_description", status == 431 ? "the request headers are too large"
                : status >= 500 ? "internal error" : "the request is malformed");
        body.put("error_uri", null);
        return Json.write(body);
    }
}
