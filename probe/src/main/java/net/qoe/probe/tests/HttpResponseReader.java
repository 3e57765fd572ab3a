package net.qoe.probe.tests;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an HTTP/1.1 response off a socket with every read bounded by the run's deadline, noting
 * when the first byte arrived. The body is counted, not kept.
 */
final class HttpResponseReader {

  static final int MAX_LINE_BYTES = 8 * 1024;
  static final int MAX_HEAD_BYTES = 64 * 1024;

  /** The status line and headers; header names lower-cased, repeated headers joined by ", ". */
  record Head(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final Deadline deadline;
  private final byte[] buffer = new byte[16 * 1024];
  private int pos;
  private int limit;
  private long firstByteNanos = -1;
  private String phase = "waiting for the first response byte";

  HttpResponseReader(Socket socket, Deadline deadline) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.deadline = deadline;
  }

  /** System.nanoTime() of the first response byte, or -1 before it came. */
  long firstByteNanos() {
    return firstByteNanos;
  }

  /** Reads the head of the final response, skipping interim 1xx responses. */
  Head readHead() throws IOException, StageFailure {
    Head head;
    do {
      head = readOneHead();
    } while (head.status() >= 100 && head.status() < 200 && head.status() != 101);
    phase = "reading the response body";
    return head;
  }

  private Head readOneHead() throws IOException, StageFailure {
    String statusLine = readLine();
    if (statusLine == null) {
      throw new StageFailure(Stage.IO, "connection closed before a response");
    }
    phase = "reading the response headers";
    String[] parts = statusLine.split(" ", 3);
    int status;
    try {
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new NumberFormatException();
      }
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new StageFailure(Stage.HTTP, "not an HTTP status line: " + abbreviate(statusLine));
    }
    Map<String, String> headers = new HashMap<>();
    int headBytes = statusLine.length();
    for (String line = readLine(); ; line = readLine()) {
      if (line == null) {
        throw new StageFailure(Stage.IO, "connection closed inside the response headers");
      }
      if (line.isEmpty()) {
        break;
      }
      headBytes += line.length();
      if (headBytes > MAX_HEAD_BYTES) {
        throw new StageFailure(Stage.HTTP, "response headers exceed " + MAX_HEAD_BYTES + " bytes");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue; // tolerated, as browsers do
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }
    return new Head(status, headers);
  }

  /**
   * Reads the body the head announces and returns its size in bytes (decoded size for chunked
   * bodies): chunked, Content-Length, or everything until the server closes.
   */
  long readBody(Head head, boolean headRequest) throws IOException, StageFailure {
    int status = head.status();
    if (headRequest || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return 0;
    }
    String encoding = head.header("transfer-encoding");
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      return readChunked();
    }
    String length = head.header("content-length");
    if (length != null) {
      long expected;
      try {
        expected = Long.parseLong(length.trim());
        if (expected < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new StageFailure(Stage.HTTP, "invalid Content-Length: " + abbreviate(length));
      }
      long got = skip(expected);
      if (got < expected) {
        throw new StageFailure(
            Stage.IO, "connection closed after " + got + " of " + expected + " body bytes");
      }
      return got;
    }
    return skip(Long.MAX_VALUE);
  }

  private long readChunked() throws IOException, StageFailure {
    long total = 0;
    while (true) {
      String line = readLine();
      if (line == null) {
        throw new StageFailure(Stage.IO, "connection closed inside a chunked body");
      }
      int semicolon = line.indexOf(';');
      String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
      long size;
      try {
        size = Long.parseLong(hex, 16);
        if (size < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new StageFailure(Stage.HTTP, "invalid chunk size: " + abbreviate(line));
      }
      if (size == 0) {
        // Trailers, if any, end with an empty line; a server closing right away is tolerated.
        for (String trailer = readLine(); trailer != null && !trailer.isEmpty(); ) {
          trailer = readLine();
        }
        return total;
      }
      long got = skip(size);
      total += got;
      if (got < size) {
        throw new StageFailure(Stage.IO, "connection closed inside a chunk");
      }
      String end = readLine();
      if (end == null || !end.isEmpty()) {
        throw new StageFailure(Stage.HTTP, "chunk not followed by CRLF");
      }
    }
  }

  /** Skips up to {@code n} bytes; fewer only at end of stream. */
  private long skip(long n) throws IOException, StageFailure {
    long skipped = 0;
    while (skipped < n) {
      if (pos == limit && !fill()) {
        break;
      }
      int take = (int) Math.min(limit - pos, n - skipped);
      pos += take;
      skipped += take;
    }
    return skipped;
  }

  /** A line without its CRLF (or bare LF), or null at end of stream before any byte. */
  private String readLine() throws IOException, StageFailure {
    byte[] line = new byte[256];
    int length = 0;
    while (true) {
      if (pos == limit && !fill()) {
        return length == 0 ? null : new String(line, 0, length, StandardCharsets.ISO_8859_1);
      }
      byte b = buffer[pos++];
      if (b == '\n') {
        if (length > 0 && line[length - 1] == '\r') {
          length--;
        }
        return new String(line, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (length == MAX_LINE_BYTES) {
        throw new StageFailure(
            Stage.HTTP, "response line longer than " + MAX_LINE_BYTES + " bytes");
      }
      if (length == line.length) {
        line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, line.length * 2));
      }
      line[length++] = b;
    }
  }

  private boolean fill() throws IOException, StageFailure {
    socket.setSoTimeout(deadline.socketTimeoutMillis(phase));
    int n;
    try {
      n = in.read(buffer);
    } catch (SocketTimeoutException e) {
      throw deadline.expired(phase);
    }
    if (n <= 0) {
      return false;
    }
    if (firstByteNanos < 0) {
      firstByteNanos = System.nanoTime();
    }
    pos = 0;
    limit = n;
    return true;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }
}
