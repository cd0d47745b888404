package org.oasst.pipeline.core.read;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits a byte stream on '\n' without decoding it, so that an invalid UTF-8 sequence spoils one line
 * rather than the rest of the file, and so that JSON is parsed straight from bytes. One line at a time
 * lives in memory (the buffer grows for long lines and never holds more than one line plus a chunk).
 */
final class ByteLineReader {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;

  private final InputStream in;
  private byte[] buf = new byte[1 << 16];
  private int start; // first byte of the unread data
  private int end; // one past the last byte read
  private boolean eof;

  /** The current line: {@code buffer()[lineStart() .. lineStart()+lineLength())}, without "\r\n". */
  private int lineStart;

  private int lineLength;

  ByteLineReader(InputStream in) {
    this.in = in;
  }

  byte[] buffer() {
    return buf;
  }

  int lineStart() {
    return lineStart;
  }

  int lineLength() {
    return lineLength;
  }

  /**
   * Advances to the next line; false at the end of the stream. A final line without a newline still
   * counts; an IOException leaves the partial line readable through {@link #partialLine()}.
   */
  boolean next() throws IOException {
    int scanFrom = start;
    while (true) {
      int i = indexOfNewline(buf, scanFrom, end);
      if (i >= 0) {
        setLine(start, i);
        start = i + 1;
        return true;
      }
      if (eof) {
        if (start < end) {
          setLine(start, end);
          start = end;
          return true;
        }
        return false;
      }
      int scanned = end - start; // fill() may move the unread bytes to the front
      fill();
      scanFrom = start + scanned;
    }
  }

  /**
   * The first '\n' in {@code b[from, to)}, or -1. The reading task's thread scans every byte of the
   * input here, so it looks at eight bytes per step: a byte equal to '\n' becomes zero after the
   * XOR, and the classic zero-byte test marks it; the lowest mark is always exact (only bytes above a
   * true zero can be marked falsely).
   */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      long marks = (x - LOW_BITS) & ~x & HIGH_BITS;
      if (marks != 0) return i + (Long.numberOfTrailingZeros(marks) >>> 3);
    }
    for (; i < to; i++) {
      if (b[i] == '\n') return i;
    }
    return -1;
  }

  private void setLine(int from, int to) {
    int len = to - from;
    if (len > 0 && buf[from + len - 1] == '\r') len--;
    lineStart = from;
    lineLength = len;
  }

  private void fill() throws IOException {
    if (start > 0) {
      // Keep the unfinished line at the front of the buffer.
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
    int r = in.read(buf, end, buf.length - end);
    if (r < 0) {
      eof = true;
    } else {
      end += r;
    }
  }

  /** The bytes read after the last complete line (after a read error). */
  byte[] partialLine() {
    return Arrays.copyOfRange(buf, start, end);
  }
}
