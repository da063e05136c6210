package gatehouse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a bare socket, for requests {@link java.net.http.HttpClient} refuses to send: a
 * request target with broken percent-encoding, a chunked body, raw bytes. The request is written
 * on its own thread while the answer is read, so a server that answers before the body is in (a
 * 413, say) and then closes is still heard.
 */
public final class RawHttp {
    private static final int TIMEOUT_MILLIS = 30_000;

    private RawHttp() {
    }

    /**
     * Sends {@code method target} with {@code headers} (name/value pairs; Host and Connection: close
     * are added) and {@code body} as is (null: none). Content-Length is added only when
     * {@code chunked} is false; when true, the body is sent in 8 KiB chunks.
     */
    public static Http.Response send(String method, String target, byte[] body, boolean chunked, String... headers) {
        URI base = URI.create(TestServer.get().baseUrl());
        var head = new StringBuilder()
                .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Connection: close\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        if (body != null && chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] request = encode(head.toString().getBytes(StandardCharsets.ISO_8859_1), body, chunked);

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request);
                    out.flush();
                } catch (IOException ignored) {
                    // the server may answer and close before taking the whole body; its answer is what counts
                }
            });
            byte[] answer = readAll(socket.getInputStream());
            writer.join(TIMEOUT_MILLIS);
            return parse(answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Http.Response send(String method, String target, String... headers) {
        return send(method, target, null, false, headers);
    }

    /** Opens a keep-alive connection to the test server for raw bytes (see {@link Connection}). */
    public static Connection connect() {
        return connect(URI.create(TestServer.get().baseUrl()).getPort());
    }

    /** Opens a keep-alive connection to 127.0.0.1:{@code port}. */
    public static Connection connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            return new Connection(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One TCP connection carrying several requests, written as raw bytes: shows whether the server
     * keeps the connection after an answer, and how it ends it (a clean close, or a reset).
     */
    public static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private Thread writer;
        private volatile IOException writeFailure;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        /** Writes {@code request} (ISO-8859-1) as is, on its own thread so a large one cannot block reading. */
        public Connection write(String request) {
            return write(request.getBytes(StandardCharsets.ISO_8859_1));
        }

        public Connection write(byte[] request) {
            writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    // the server may answer and close before taking everything; see writeFailure()
                    writeFailure = e;
                }
            });
            return this;
        }

        /**
         * Waits for the last {@link #write} to end; null when every byte went out, else why it failed
         * (a server that resets the connection instead of closing it cleanly fails it).
         */
        public IOException writeFailure() {
            try {
                if (writer != null && !writer.join(Duration.ofMillis(TIMEOUT_MILLIS))) {
                    return new IOException("the write did not finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return writeFailure;
        }

        /** A GET of {@code path} on this connection, keep-alive. */
        public Connection get(String path) {
            return write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        }

        /** Reads exactly one answer (by Content-Length or chunked framing); fails if the connection ends first. */
        public Http.Response read() {
            try {
                byte[] head = readHead();
                String text = new String(head, StandardCharsets.ISO_8859_1);
                HttpHeaders headers = parse(concat(head, new byte[0])).headers();
                int status = Integer.parseInt(text.split("\r\n", 2)[0].split(" ", 3)[1]);
                byte[] body;
                if (headers.firstValue("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                        .orElse(false)) {
                    body = readChunked();
                } else {
                    body = readExactly(headers.firstValue("Content-Length").map(Integer::parseInt).orElse(0));
                }
                return new Http.Response(status, headers, new String(body, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * How the server treats the connection after the answers read so far: {@code "open"} (a
         * further request is answered), {@code "closed"} (end of stream) or {@code "reset"}.
         */
        public String stateAfterAnswer() {
            try {
                socket.setSoTimeout(1_000);
                int b = pending.size() > 0 ? 0 : in.read();
                return b < 0 ? "closed" : "open";
            } catch (SocketTimeoutException e) {
                return "open";
            } catch (IOException e) {
                return "reset";
            } finally {
                try {
                    socket.setSoTimeout(TIMEOUT_MILLIS);
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        }

        private byte[] readHead() throws IOException {
            var head = new ByteArrayOutputStream();
            byte[] buffered = pending.toByteArray();
            pending.reset();
            int i = 0;
            while (true) {
                int b = i < buffered.length ? buffered[i++] & 0xff : in.read();
                if (b < 0) {
                    throw new IOException("the connection ended before an answer: " + head);
                }
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    pending.write(buffered, i, buffered.length - i);
                    return h;
                }
            }
        }

        private int next() throws IOException {
            byte[] buffered = pending.toByteArray();
            if (buffered.length > 0) {
                pending.reset();
                pending.write(buffered, 1, buffered.length - 1);
                return buffered[0] & 0xff;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended inside an answer");
            }
            return b;
        }

        private byte[] readExactly(int length) throws IOException {
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) {
                body[i] = (byte) next();
            }
            return body;
        }

        private String readLine() throws IOException {
            var line = new StringBuilder();
            for (int b; (b = next()) != '\n'; ) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        private byte[] readChunked() throws IOException {
            var body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine();
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    return body.toByteArray();
                }
                body.writeBytes(readExactly(size));
                readLine();
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] encode(byte[] head, byte[] body, boolean chunked) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(head);
        if (body == null) {
            return out.toByteArray();
        }
        if (!chunked) {
            out.writeBytes(body);
            return out.toByteArray();
        }
        for (int offset = 0; offset < body.length; offset += 8192) {
            int length = Math.min(8192, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, offset, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Everything until the server closes (or resets, after answering). */
    private static byte[] readAll(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            if (out.size() == 0) {
                throw e;
            }
        }
        return out.toByteArray();
    }

    private static Http.Response parse(byte[] answer) {
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new AssertionError("no complete HTTP answer: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        HttpHeaders parsed = HttpHeaders.of(headers, (name, value) -> true);
        byte[] rest = Arrays.copyOfRange(answer, end + 4, answer.length);
        boolean chunked = parsed.firstValue("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                .orElse(false);
        byte[] body = chunked ? dechunk(rest) : rest;
        return new Http.Response(status, parsed, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] data) {
        var out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < data.length) {
            int lineEnd = indexOfCrlf(data, pos);
            if (lineEnd < 0) {
                break;
            }
            String sizeLine = new String(data, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            out.write(data, start, Math.min(size, data.length - start));
            pos = start + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] data, int from) {
        for (int i = from; i + 1 < data.length; i++) {
            if (data[i] == '\r' && data[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
