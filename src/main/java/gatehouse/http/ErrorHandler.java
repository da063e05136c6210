package gatehouse.http;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.store.Database;
import gatehouse.web.Json;
import gatehouse.web.Pages;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place errors become responses: {@code {"error","error_description","error_uri"}} (or the
 * HTML error page for browser-facing routes), with the status from {@link OAuthError}. Anything
 * unexpected is a 500 with a fixed text and the request ID; its stack trace goes only to the log.
 */
public final class ErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    private final Pages pages;

    public ErrorHandler(Pages pages) {
        this.pages = pages;
    }

    /** The handler for errors Jetty answers itself, before Javalin sees the request. */
    public static org.eclipse.jetty.server.handler.ErrorHandler forJetty() {
        return new JettyErrors();
    }

    public void handle(Exception exception, Context ctx) {
        OAuthException error = translate(exception, ctx);
        if (error.error() == OAuthError.SERVER_ERROR) {
            log.error("unexpected failure, request {}", RequestLog.requestId(ctx), exception);
        } else if (error.detail() != null) {
            log.info("refused {} {}: {}", ctx.method(), ctx.path(), error.getMessage());
        }
        write(ctx, error);
    }

    /** Javalin's own 404 (no route) and 405 (wrong method) come through here too. */
    public void notFound(Context ctx) {
        if (ctx.result() == null || ctx.result().isEmpty()) {
            write(ctx, OAuthException.notFound("no such endpoint: " + ctx.method() + " " + ctx.path()));
        }
    }

    private void write(Context ctx, OAuthException error) {
        // HTML error pages too: a browser or a script behind it may honour Retry-After.
        if (error.error() == OAuthError.TEMPORARILY_UNAVAILABLE) {
            ctx.header("Retry-After", "5");
        }
        if (error.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Long.toString(error.retryAfterSeconds()));
        }
        if (Boolean.TRUE.equals(ctx.attribute(Pages.HTML_ERRORS))) {
            pages.error(ctx, error.error().status(), error.error().code(), error.description());
            return;
        }
        if (error.wwwAuthenticate() != null) {
            ctx.header("WWW-Authenticate", error.wwwAuthenticate());
        }
        if (error.dpopNonce() != null) {
            ctx.header("DPoP-Nonce", error.dpopNonce());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.error().code());
        body.put("error_description", error.description());
        body.put("error_uri", null);
        ctx.header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .status(error.error().status())
                .contentType("application/json")
                .result(Json.write(body));
    }

    private static OAuthException translate(Exception exception, Context ctx) {
        if (exception instanceof OAuthException oauth) {
            return oauth;
        }
        if (exception instanceof HttpResponseException http) {
            return switch (http.getStatus()) {
                case 404 -> OAuthException.notFound("no such endpoint: " + ctx.method() + " " + ctx.path());
                case 405 -> OAuthException.of(OAuthError.METHOD_NOT_ALLOWED, "method " + ctx.method() + " is not allowed here");
                case 413 -> OAuthException.of(OAuthError.PAYLOAD_TOO_LARGE, "the request body is too large");
                case 415 -> OAuthException.of(OAuthError.UNSUPPORTED_MEDIA_TYPE, "unsupported media type");
                default -> http.getStatus() >= 400 && http.getStatus() < 500
                        ? OAuthException.invalidRequest("the request is malformed")
                        : OAuthException.of(OAuthError.SERVER_ERROR, "internal error");
            };
        }
        if (Database.isUnavailable(exception)) {
            return OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE, "the database is unavailable; try again shortly")
                    .withCause(exception);
        }
        if (hasSqlState(exception, "40P01") || hasSqlState(exception, "40001") || hasSqlState(exception, "55P03")) {
            // A deadlock victim, a serialization failure or a lock wait past lock_timeout: nothing was
            // written (the transaction rolled back), and the same request may succeed when retried.
            return OAuthException.of(OAuthError.TEMPORARILY_UNAVAILABLE, "the request collided with a concurrent one; "
                    + "try again shortly").withCause(exception);
        }
        if (hasSqlState(exception, "22021") || hasSqlState(exception, "22P05")) {
            // Text PostgreSQL cannot store (a NUL byte) that came in through a path or header.
            return OAuthException.invalidRequest("the request contains characters that are not allowed");
        }
        if (hasSqlState(exception, "23503")) {
            // Something the request points at was deleted meanwhile (an app, a user, an organization).
            return OAuthException.conflict("a resource this request refers to no longer exists");
        }
        if (exception instanceof IllegalArgumentException && isRequestDecoding(exception)) {
            return OAuthException.invalidRequest("the request URL is malformed");
        }
        return OAuthException.of(OAuthError.SERVER_ERROR,
                "internal error; quote request id " + RequestLog.requestId(ctx) + " when reporting it");
    }

    private static boolean hasSqlState(Throwable error, String state) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Javalin throws IllegalArgumentException when it cannot decode a path or query. */
    private static boolean isRequestDecoding(Exception exception) {
        for (StackTraceElement frame : exception.getStackTrace()) {
            if (frame.getClassName().startsWith("java.net.URLDecoder")) {
                return true;
            }
        }
        return false;
    }
}
