package org.oasst.pipeline.core.synth;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.synth.SynthOptions.Format;
import org.oasst.pipeline.core.synth.SynthOptions.NullStyle;

/**
 * The {@code synth} command line:
 *
 * <pre>
 * synth --trees N --output PATH [--seed S] [--format trees|messages|hf-jsonl|hf-parquet] [--gzip]
 *       [--null-style write|drop] [--unknown-keys] [--raw-utf8] [--threads T] [--partitions P]
 * </pre>
 *
 * {@code --output -} writes JSONL to standard output. The summary goes to standard error as one
 * JSON line. The pipeline's CLI calls {@link #run(String[], Supplier)}; {@link #main} is for running
 * the generator alone ({@code java -cp ... org.oasst.pipeline.core.synth.SynthMain}).
 */
public final class SynthMain {
  private SynthMain() {}

  public static final String USAGE =
      "usage: synth --trees N --output PATH [--seed S] [--format trees|messages|hf-jsonl|hf-parquet]"
          + " [--gzip] [--null-style write|drop] [--unknown-keys] [--raw-utf8] [--threads T] [--partitions P]";

  /** Parsed command line. */
  public record Args(SynthOptions options, String output) {}

  public static Args parse(String[] args) {
    Long trees = null;
    String output = null;
    long seed = SynthOptions.DEFAULT_SEED;
    Format format = Format.TREES;
    boolean gzip = false;
    NullStyle nullStyle = NullStyle.WRITE;
    boolean unknownKeys = false;
    boolean asciiOnly = true;
    int threads = 1;
    int partitions = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--trees":
          trees = parseLong(a, value(args, ++i, a));
          break;
        case "--output":
          output = value(args, ++i, a);
          break;
        case "--seed":
          seed = parseLong(a, value(args, ++i, a));
          break;
        case "--format":
          format = Format.parse(value(args, ++i, a));
          break;
        case "--gzip":
          gzip = true;
          break;
        case "--null-style":
          nullStyle = NullStyle.parse(value(args, ++i, a));
          break;
        case "--unknown-keys":
          unknownKeys = true;
          break;
        case "--raw-utf8":
          asciiOnly = false;
          break;
        case "--threads":
          threads = (int) parseLong(a, value(args, ++i, a));
          break;
        case "--partitions":
          partitions = (int) parseLong(a, value(args, ++i, a));
          break;
        default:
          throw new IllegalArgumentException("synth: unknown argument '" + a + "'\n" + USAGE);
      }
    }
    if (trees == null) throw new IllegalArgumentException("synth: --trees is required\n" + USAGE);
    if (output == null) throw new IllegalArgumentException("synth: --output is required\n" + USAGE);
    return new Args(
        new SynthOptions(
            trees, seed, format, gzip, nullStyle, unknownKeys, asciiOnly, threads, partitions),
        output);
  }

  /** Runs the command; {@code spark} is asked for a session only when Parquet is requested. */
  public static SynthSummary run(String[] argv, Supplier<SparkSession> spark) {
    Args a = parse(argv);
    SynthSummary summary;
    if (a.output().equals("-")) {
      if (a.options().format() == Format.HF_PARQUET) {
        throw new IllegalArgumentException("synth: hf-parquet cannot be written to standard output");
      }
      long start = System.nanoTime();
      try {
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        Synth.CountingOutputStream counted = new Synth.CountingOutputStream(out);
        Synth.Counts c = Synth.writeJson(a.options(), counted);
        counted.flush();
        summary =
            new SynthSummary(
                c.trees(), c.messages(), counted.count, c.jsonBytes(), "-",
                (System.nanoTime() - start) / 1_000_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      SparkSession session = a.options().format() == Format.HF_PARQUET ? spark.get() : null;
      summary = Synth.write(session, a.options(), a.output());
    }
    System.err.println(summaryJson(summary));
    return summary;
  }

  static String summaryJson(SynthSummary s) {
    double seconds = Math.max(s.millis(), 1) / 1000.0;
    return String.format(
        Locale.ROOT,
        "{\"trees\": %d, \"messages\": %d, \"bytes\": %d, \"uncompressed_bytes\": %d,"
            + " \"seconds\": %.2f, \"messages_per_second\": %.0f, \"path\": \"%s\"}",
        s.trees(), s.messages(), s.bytes(), s.uncompressedBytes(), seconds,
        s.messages() / seconds, s.path().replace("\\", "\\\\").replace("\"", "\\\""));
  }

  public static void main(String[] argv) {
    try {
      run(
          argv,
          () ->
              SparkSession.builder()
                  // a default for running this class alone; spark-submit's --master wins
                  .config(new SparkConf().setIfMissing("spark.master", "local[*]"))
                  .appName("oasst-synth")
                  .getOrCreate());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException("synth: " + flag + " needs a value");
    return args[i];
  }

  private static long parseLong(String flag, String v) {
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("synth: " + flag + " expects a number, got '" + v + "'");
    }
  }
}
