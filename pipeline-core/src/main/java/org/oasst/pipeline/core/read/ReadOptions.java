package org.oasst.pipeline.core.read;

import java.io.Serializable;
import java.util.Locale;
import java.util.Set;

/**
 * How to read the inputs.
 *
 * @param format {@code auto} (detect per file and per line), {@code trees}, {@code messages},
 *     {@code hf} (HF rows as JSONL, or HF Parquet files) or {@code parquet} (every input is HF Parquet)
 * @param partitions how many partitions the rows are spread over after reading; 0 means Spark's
 *     default parallelism
 */
public record ReadOptions(String format, int partitions) implements Serializable {
  public static final Set<String> FORMATS = Set.of("auto", "trees", "messages", "hf", "parquet");

  public ReadOptions {
    format = format == null ? "auto" : format.trim().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw new InputException(
          "unknown input format '" + format + "' (expected one of auto, trees, messages, hf, parquet)");
    }
    if (partitions < 0) throw new IllegalArgumentException("partitions must be >= 0: " + partitions);
  }

  public static ReadOptions defaults() {
    return new ReadOptions("auto", 0);
  }

  public ReadOptions withFormat(String newFormat) {
    return new ReadOptions(newFormat, partitions);
  }

  public ReadOptions withPartitions(int newPartitions) {
    return new ReadOptions(format, newPartitions);
  }
}
