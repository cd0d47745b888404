package org.oasst.pipeline.core.synth;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.synth.SynthOptions.Format;

/**
 * Entry point of the {@code synth} command: generates {@link SynthOptions#trees()} trees and writes
 * them in the chosen format.
 *
 * <p>JSONL is generated in fixed chunks of {@link #CHUNK_TREES} trees, each chunk by one worker
 * thread into its own buffer, and the buffers are written (and gzipped) in order by the calling
 * thread: the bytes are the same for any thread count, and memory holds at most a few chunks.
 */
public final class Synth {
  private Synth() {}

  /** Trees per generation chunk (about 640 messages, 1.3 MB of JSON). */
  static final int CHUNK_TREES = 256;

  /**
   * Writes the synthetic input to {@code outputPath}: one JSONL file (plain or gzip) or, for
   * hf-parquet, a Parquet folder written by Spark. The file or folder is replaced if it exists; a
   * JSONL file is written under a temporary name and moved into place when complete.
   *
   * @param sparkOrNull needed only for {@link Format#HF_PARQUET}
   */
  public static SynthSummary write(SparkSession sparkOrNull, SynthOptions options, String outputPath) {
    if (options.format() == Format.HF_PARQUET) {
      if (sparkOrNull == null) {
        throw new IllegalArgumentException("format hf-parquet needs a SparkSession");
      }
      return SynthParquet.write(sparkOrNull, options, outputPath);
    }
    long start = System.nanoTime();
    Path target = Paths.get(outputPath).toAbsolutePath();
    Path parent = target.getParent();
    Path staging = target.resolveSibling("." + target.getFileName() + ".synth-tmp");
    try {
      if (parent != null) Files.createDirectories(parent);
      Counts counts;
      long bytes;
      try (OutputStream file = Files.newOutputStream(staging)) {
        CountingOutputStream counted = new CountingOutputStream(file);
        counts = writeJson(options, counted);
        bytes = counted.count;
      }
      Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      long millis = (System.nanoTime() - start) / 1_000_000;
      return new SynthSummary(
          options.trees(), counts.messages, bytes, counts.jsonBytes, target.toString(), millis);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(staging);
      } catch (IOException ignored) {
        // the original failure matters more
      }
      throw new UncheckedIOException("synth: cannot write " + target, e);
    }
  }

  /** Messages and uncompressed JSON bytes written by {@link #writeJson}. */
  public record Counts(long trees, long messages, long jsonBytes) {}

  /**
   * Writes the JSONL form of {@code options} to {@code out} (gzipped if asked), without closing
   * {@code out}. Usable with any stream, e.g. a counting null stream for measurements.
   */
  public static Counts writeJson(SynthOptions options, OutputStream out) throws IOException {
    SyntheticGenerator generator =
        new SyntheticGenerator(options.seed(), options.trees(), options.unknownKeys());
    OutputStream sink = new NonClosing(out);
    if (options.gzip()) sink = new FastGzip(sink);
    sink = new BufferedOutputStream(sink, 1 << 16);
    long messages = 0;
    long jsonBytes = 0;
    long chunks = (options.trees() + CHUNK_TREES - 1) / CHUNK_TREES;
    if (options.threads() == 1) {
      for (long c = 0; c < chunks; c++) {
        Chunk chunk = generateChunk(generator, options, c);
        chunk.bytes.writeTo(sink);
        messages += chunk.messages;
        jsonBytes += chunk.bytes.size();
      }
    } else {
      ExecutorService pool =
          Executors.newFixedThreadPool(
              options.threads(),
              runnable -> {
                Thread t = new Thread(runnable, "synth-generator");
                t.setDaemon(true);
                return t;
              });
      try {
        ArrayDeque<Future<Chunk>> window = new ArrayDeque<>();
        long next = 0;
        int ahead = options.threads() * 2;
        while (next < chunks || !window.isEmpty()) {
          while (next < chunks && window.size() < ahead) {
            long c = next++;
            window.add(pool.submit(() -> generateChunk(generator, options, c)));
          }
          Chunk chunk = window.poll().get();
          chunk.bytes.writeTo(sink);
          messages += chunk.messages;
          jsonBytes += chunk.bytes.size();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("synth interrupted", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) throw (RuntimeException) cause;
        throw new IOException("synth generation failed", cause);
      } finally {
        pool.shutdownNow();
      }
    }
    sink.close(); // finishes gzip; NonClosing keeps the caller's stream open
    return new Counts(options.trees(), messages, jsonBytes);
  }

  private record Chunk(ByteArrayOutputStream bytes, long messages) {}

  private static Chunk generateChunk(SyntheticGenerator generator, SynthOptions options, long chunk) {
    long from = chunk * CHUNK_TREES;
    long to = Math.min(options.trees(), from + CHUNK_TREES);
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(CHUNK_TREES * 6 * 1024);
    long messages = 0;
    try (SynthJsonWriter writer = new SynthJsonWriter(buffer, options)) {
      for (long i = from; i < to; i++) messages += writer.write(generator.generate(i));
    }
    return new Chunk(buffer, messages);
  }

  /** gzip at the fastest deflate level: big synthetic files are written far more than read. */
  static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }

  static final class CountingOutputStream extends FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }

  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
