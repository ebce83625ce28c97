package io.microsettle.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection of the load client, used by one worker thread at a time: it writes a
 * request and reads the response (Content-Length or chunked) on the caller's thread, with no selector
 * thread and no futures. With java.net.http's client the benchmark's process used 1.4 to 2.2 CPU s for each
 * 3,000 cash-out requests, CPU taken from the service and the database that share the machine.
 */
final class Http1Connection implements Closeable {
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    static final int MAX_HEADER_LINE_BYTES = 16 * 1024;
    static final int MAX_HEADER_LINES = 200;
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    /** A response: status, body as text. */
    record Response(int status, String body) {}

    private final String host;
    private final int port;
    private final int readTimeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Http1Connection(URI base, int readTimeoutMillis) {
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /**
     * Sends one request and reads its response. A reused connection that the server closed while idle
     * (nothing at all read back) is opened again and the request sent once more; any other failure is thrown.
     */
    Response exchange(String method, String pathAndQuery, String headers, byte[] body) throws IOException {
        boolean reused = socket != null;
        try {
            return once(method, pathAndQuery, headers, body);
        } catch (EOFException e) {
            close();
            if (!reused) throw e;
            return once(method, pathAndQuery, headers, body);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Response once(String method, String pathAndQuery, String headers, byte[] body) throws IOException {
        if (socket == null) open();
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n").append(headers);
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) out.write(body);
        out.flush();
        return read();
    }

    private void open() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
        s.setSoTimeout(readTimeoutMillis);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
    }

    private Response read() throws IOException {
        String statusLine = line(true);
        if (!statusLine.startsWith("HTTP/1.1 ") && !statusLine.startsWith("HTTP/1.0 ")) throw new IOException("not HTTP: " + statusLine);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0 ");
        for (int n = 0; ; n++) {
            if (n >= MAX_HEADER_LINES) throw new IOException("more than " + MAX_HEADER_LINES + " header lines");
            String h = line(false);
            if (h.isEmpty()) break;
            int colon = h.indexOf(':');
            if (colon <= 0) continue;
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> contentLength = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close |= value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        byte[] body = chunked ? chunkedBody() : contentLength >= 0 ? exactly(contentLength) : untilClose();
        if (close || (!chunked && contentLength < 0)) close();
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(false);
            int semicolon = sizeLine.indexOf(';');
            long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) break;
            if (body.size() + size > MAX_BODY_BYTES) throw new IOException("body over " + MAX_BODY_BYTES + " bytes");
            body.writeBytes(exactly(size));
            line(false);
        }
        while (!line(false).isEmpty()) {
            // trailers: none expected, skipped
        }
        return body.toByteArray();
    }

    private byte[] exactly(long length) throws IOException {
        if (length > MAX_BODY_BYTES) throw new IOException("body over " + MAX_BODY_BYTES + " bytes");
        byte[] b = in.readNBytes((int) length);
        if (b.length != length) throw new IOException("connection closed after " + b.length + " of " + length + " body bytes");
        return b;
    }

    private byte[] untilClose() throws IOException {
        return in.readNBytes(MAX_BODY_BYTES);
    }

    /** One header line without its CRLF; EOFException when the connection ends before the first byte of a response. */
    private String line(boolean first) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (first && sb.isEmpty()) throw new EOFException("connection closed before the response");
                throw new IOException("connection closed inside the response head");
            }
            if (c == '\n') break;
            if (c != '\r') sb.append((char) c);
            if (sb.length() > MAX_HEADER_LINE_BYTES) throw new IOException("header line over " + MAX_HEADER_LINE_BYTES + " bytes");
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            socket = null;
            in = null;
            out = null;
        }
    }
}
