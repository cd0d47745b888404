package org.oasst.pipeline.core.read;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Manual tool, not a test: single-threaded CPU time per pass of {@link LineProcessor#process} over
 * the first lines of the synthetic trees, with and without the streaming fast path. Runs only with
 * {@code -Doasst.timing=true}, e.g. {@code mvn -o -q -pl pipeline-core test
 * -Dtest=StreamingParseTiming -Doasst.timing=true}.
 */
class StreamingParseTiming {
  private static final int LINES = Integer.getInteger("oasst.timing.lines", 20_000);
  private static final int WARMUP = 3;
  private static final int PASSES = 5;

  @Test
  void time() throws IOException {
    Assumptions.assumeTrue(Boolean.getBoolean("oasst.timing"), "manual timing tool");
    Path synth = Paths.get("..", "benchmarks", "data", "synth-100k.trees.jsonl.gz");
    Assumptions.assumeTrue(Files.isRegularFile(synth), "no synthetic input");
    byte[] data = firstLines(synth, LINES);
    int[] starts = lineStarts(data);
    System.out.printf("%d lines, %.1f MB%n", starts.length - 1, data.length / 1e6);
    for (boolean binary : new boolean[] {false, true}) {
      for (boolean streaming : new boolean[] {false, true}) {
        double[] ms = new double[PASSES];
        long streamed = 0;
        for (int pass = -WARMUP; pass < PASSES; pass++) {
          LineProcessor lp = new LineProcessor("auto", "file:/synth", new FileStats(), streaming);
          UnsafeProjection projection = binary ? lp.binaryRows() : null;
          double t = pass(lp, projection, data, starts);
          if (pass >= 0) ms[pass] = t;
          streamed = lp.streamedLines;
        }
        Arrays.sort(ms);
        System.out.printf(
            "%-9s %-22s median %7.1f ms CPU per pass (min %.1f, max %.1f); fast path %d of %d lines%n",
            streaming ? "streaming" : "tree", binary ? "+ UnsafeProjection" : "", ms[PASSES / 2], ms[0],
            ms[PASSES - 1], streamed, starts.length - 1);
      }
    }
  }

  private static double pass(LineProcessor lp, UnsafeProjection projection, byte[] data, int[] starts) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    List<InternalRow> out = new ArrayList<>();
    long sink = 0;
    long t0 = mx.getCurrentThreadCpuTime();
    for (int i = 0; i + 1 < starts.length; i++) {
      int off = starts[i];
      int len = starts[i + 1] - 1 - off;
      lp.process(data, off, len, i + 1, out);
      if (projection != null) {
        for (InternalRow r : out) sink += projection.apply(r).getSizeInBytes();
      }
      sink += out.size();
      out.clear();
    }
    long t1 = mx.getCurrentThreadCpuTime();
    if (sink == 42) System.out.print("");
    return (t1 - t0) / 1e6;
  }

  private static byte[] firstLines(Path gz, int lines) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
      int n = 0;
      int b;
      byte[] buf = new byte[1 << 16];
      while (n < lines && (b = in.read(buf)) > 0) {
        for (int i = 0; i < b; i++) {
          out.write(buf[i]);
          if (buf[i] == '\n' && ++n == lines) break;
        }
      }
    }
    return out.toByteArray();
  }

  /** Offsets where lines start, plus one past the last newline. */
  private static int[] lineStarts(byte[] data) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < data.length; i++) if (data[i] == '\n') starts.add(i + 1);
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }
}
