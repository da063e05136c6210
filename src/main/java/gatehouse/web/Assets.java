package gatehouse.web;

import gatehouse.errors.OAuthException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code GET /assets/{file}}: the pages' stylesheet and script, served from the jar so that the
 * pages' CSP can say {@code style-src 'self'; script-src 'self'} instead of allowing inline code. Only the files named here are
 * served; nothing from the request reaches a class-path lookup.
 */
public final class Assets {
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "console.css", "text/css; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8");

    private final Map<String, byte[]> files;

    public Assets() {
        files = Map.copyOf(CONTENT_TYPES.keySet().stream()
                .collect(Collectors.toMap(name -> name, Assets::read)));
    }

    public void serve(Context ctx) {
        String name = ctx.pathParam("file");
        byte[] file = files.get(name);
        if (file == null) {
            throw OAuthException.notFound("No such asset.");
        }
        ctx.header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "public, max-age=3600")
                .contentType(CONTENT_TYPES.get(name))
                .result(file);
    }

    private static byte[] read(String name) {
        try (InputStream in = Assets.class.getResourceAsStream("/assets/" + name)) {
            if (in == null) {
                throw new IllegalStateException("assets/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
