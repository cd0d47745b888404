package org.oasst.pipeline.core.read;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Decompresses on a helper thread while the task's thread parses: a gzip file is one task, and
 * gunzip alone costs about as much as the JSON parse, so the two overlap on two cores. Memory stays
 * bounded (a few chunks). A read error of the source reaches the reader after the bytes read before
 * it, so a truncated file still yields its complete lines first.
 */
final class ReadAheadInputStream extends InputStream {
  private static final int CHUNK = 1 << 20;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(4);
  private final Thread producer;
  private volatile IOException failure;
  private volatile boolean closed;
  private byte[] current = new byte[0];
  private int pos;
  private boolean ended;

  ReadAheadInputStream(InputStream source, String name) {
    producer = new Thread(() -> produce(source), "read-ahead " + name);
    producer.setDaemon(true);
    producer.start();
  }

  private void produce(InputStream source) {
    try {
      while (!closed) {
        byte[] buf = new byte[CHUNK];
        int n = 0;
        IOException error = null;
        try {
          while (n < CHUNK) {
            int r = source.read(buf, n, CHUNK - n);
            if (r < 0) break;
            n += r;
          }
        } catch (IOException e) {
          error = e; // the bytes before the error still go to the reader first
        }
        if (n > 0) put(n == CHUNK ? buf : Arrays.copyOf(buf, n));
        if (error != null) {
          failure = error;
          break;
        }
        if (n < CHUNK) break;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void put(byte[] chunk) throws InterruptedException {
    while (!closed && !chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
      // waiting for the reader; re-check closed so that a cancelled task frees the thread
    }
  }

  private boolean ensure() throws IOException {
    while (pos >= current.length) {
      if (ended) return false;
      try {
        byte[] next = chunks.take();
        if (next == END) {
          ended = true;
          if (failure != null) throw failure;
          return false;
        }
        current = next;
        pos = 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading ahead");
      }
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return ensure() ? current[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) return 0;
    if (!ensure()) return -1;
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  /** Waits for the helper thread to finish, so that the source may be used by the caller again. */
  @Override
  public void close() throws IOException {
    closed = true;
    chunks.clear();
    try {
      producer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
