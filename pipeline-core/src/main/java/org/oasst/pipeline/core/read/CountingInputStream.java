package org.oasst.pipeline.core.read;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/** Counts and checksums the raw bytes of a file as they are read (before any decompression). */
final class CountingInputStream extends FilterInputStream {
  private final CRC32C crc = new CRC32C();
  private long bytes;

  CountingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      crc.update(b);
      bytes++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int r = in.read(b, off, len);
    if (r > 0) {
      crc.update(b, off, r);
      bytes += r;
    }
    return r;
  }

  @Override
  public long skip(long n) throws IOException {
    // Route skips through read so that every byte is checksummed.
    byte[] scratch = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long done = 0;
    while (done < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - done));
      if (r < 0) break;
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Reads whatever the decompressor left unread so that the checksum covers the whole file. */
  void drain() throws IOException {
    byte[] scratch = new byte[1 << 16];
    while (read(scratch, 0, scratch.length) >= 0) {
      // counting only
    }
  }

  long bytes() {
    return bytes;
  }

  String checksum() {
    return String.format("crc32c:%08x", crc.getValue());
  }
}
