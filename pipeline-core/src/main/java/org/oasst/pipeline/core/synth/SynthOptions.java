package org.oasst.pipeline.core.synth;

import java.io.Serializable;
import java.util.Locale;
import org.oasst.pipeline.core.config.PipelineConfig;

/**
 * What to generate and how to write it. Every tree depends only on ({@link #seed}, tree index,
 * {@link #trees}): the tree count matters because the contributor pool grows with the input.
 *
 * @param trees number of conversation trees (tree indexes 0..trees-1)
 * @param seed the seed; same seed and options give the same bytes
 * @param format output format
 * @param gzip gzip the JSONL output (fast deflate level); ignored for Parquet
 * @param nullStyle whether null-valued keys are dropped or written as {@code null}
 * @param unknownKeys add a few keys no reader knows (as real third-party files have) to some records
 * @param asciiOnly escape every non-ASCII character of the texts as {@code \\uXXXX}, as Python's
 *     {@code json.dumps} does by default; false writes raw UTF-8
 * @param threads generator threads for JSONL; the bytes do not depend on it
 * @param partitions Spark partitions for Parquet (0: the session's default parallelism)
 */
public record SynthOptions(
    long trees,
    long seed,
    Format format,
    boolean gzip,
    NullStyle nullStyle,
    boolean unknownKeys,
    boolean asciiOnly,
    int threads,
    int partitions)
    implements Serializable {

  public static final long DEFAULT_SEED = 42L;

  public SynthOptions {
    if (trees < 0) throw new IllegalArgumentException("trees must be >= 0, got " + trees);
    if (format == null) throw new IllegalArgumentException("format is required");
    if (nullStyle == null) throw new IllegalArgumentException("nullStyle is required");
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    if (partitions < 0) throw new IllegalArgumentException("partitions must be >= 0");
  }

  /** Official trees JSONL, plain, nulls written (as the official exports do), one thread. */
  public static SynthOptions of(long trees) {
    return new SynthOptions(
        trees, DEFAULT_SEED, Format.TREES, false, NullStyle.WRITE, false, true, 1, 0);
  }

  /** Trees written when neither the command line nor the configuration says how many. */
  public static final long DEFAULT_TREES = 4000;

  /**
   * The options under the configuration prefix {@code synth.}: {@code trees} (4000), {@code seed}
   * (42), {@code format} (trees), {@code gzip} (false), {@code null_style} (write), {@code
   * unknown_keys} (false), {@code ascii_only} (true), {@code threads} (1), {@code partitions} (0).
   */
  public static SynthOptions fromConfig(PipelineConfig config) {
    return new SynthOptions(
        config.getLong("synth.trees", DEFAULT_TREES),
        config.getLong("synth.seed", DEFAULT_SEED),
        Format.parse(config.getString("synth.format", Format.TREES.cliName)),
        config.getBoolean("synth.gzip", false),
        NullStyle.parse(config.getString("synth.null_style", "write")),
        config.getBoolean("synth.unknown_keys", false),
        config.getBoolean("synth.ascii_only", true),
        config.getInt("synth.threads", 1),
        config.getInt("synth.partitions", 0));
  }

  public SynthOptions withTrees(long n) {
    return new SynthOptions(n, seed, format, gzip, nullStyle, unknownKeys, asciiOnly, threads, partitions);
  }

  public SynthOptions withSeed(long s) {
    return new SynthOptions(trees, s, format, gzip, nullStyle, unknownKeys, asciiOnly, threads, partitions);
  }

  public SynthOptions withFormat(Format f) {
    return new SynthOptions(trees, seed, f, gzip, nullStyle, unknownKeys, asciiOnly, threads, partitions);
  }

  public SynthOptions withGzip(boolean g) {
    return new SynthOptions(trees, seed, format, g, nullStyle, unknownKeys, asciiOnly, threads, partitions);
  }

  public SynthOptions withNullStyle(NullStyle n) {
    return new SynthOptions(trees, seed, format, gzip, n, unknownKeys, asciiOnly, threads, partitions);
  }

  public SynthOptions withUnknownKeys(boolean u) {
    return new SynthOptions(trees, seed, format, gzip, nullStyle, u, asciiOnly, threads, partitions);
  }

  public SynthOptions withAsciiOnly(boolean a) {
    return new SynthOptions(trees, seed, format, gzip, nullStyle, unknownKeys, a, threads, partitions);
  }

  public SynthOptions withThreads(int t) {
    return new SynthOptions(trees, seed, format, gzip, nullStyle, unknownKeys, asciiOnly, t, partitions);
  }

  public SynthOptions withPartitions(int p) {
    return new SynthOptions(trees, seed, format, gzip, nullStyle, unknownKeys, asciiOnly, threads, p);
  }

  /** The input formats of the reference's section 2. */
  public enum Format {
    /** One tree per line, nodes nested in {@code replies} (2.2). */
    TREES("trees"),
    /** One message per line, depth-first, tree id and state filled (2.3). */
    MESSAGES("messages"),
    /** Hugging Face rows as JSONL: flat, labels and emojis as parallel arrays (2.4). */
    HF_JSONL("hf-jsonl"),
    /** Hugging Face rows as Parquet, written through Spark (2.4). */
    HF_PARQUET("hf-parquet");

    public final String cliName;

    Format(String cliName) {
      this.cliName = cliName;
    }

    public static Format parse(String s) {
      String wanted = s.trim().toLowerCase(Locale.ROOT);
      for (Format f : values()) if (f.cliName.equals(wanted)) return f;
      throw new IllegalArgumentException(
          "unknown format '" + s + "'; expected one of trees, messages, hf-jsonl, hf-parquet");
    }
  }

  /** The two writing styles seen in real files. */
  public enum NullStyle {
    /** Keys whose value is null are left out. */
    DROP,
    /** Every key is written, {@code null} where there is no value. */
    WRITE;

    public static NullStyle parse(String s) {
      String wanted = s.trim().toLowerCase(Locale.ROOT);
      if (wanted.equals("drop")) return DROP;
      if (wanted.equals("write")) return WRITE;
      throw new IllegalArgumentException("unknown null style '" + s + "'; expected drop or write");
    }
  }
}
