package org.oasst.pipeline.quality.labels;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.quality.languages.LanguageStats;

/**
 * Per-label statistics over the exported label means, for all messages and by role, by language
 * and by rank position, all in one aggregation (every label and every scope at once).
 */
public final class LabelStats {
  private LabelStats() {}

  public static final double[] QUANTILES = {0.05, 0.25, 0.5, 0.75, 0.95};

  /**
   * Rows beyond which the value-frequency table is rebuilt on the coarse grid: exported label means
   * take a few dozen distinct values per label, so only continuous (non-OASST-like) data gets here.
   */
  public static final long MAX_FREQUENCY_ROWS = 2_000_000L;

  /**
   * The value-frequency table every label statistic is derived from: per (scope, scope_value, name,
   * value key) the number of messages, reviews, and the exact sum and sum of squares of the values.
   * Scopes: all (scope_value null), role, lang, rank (ranked messages only, scope_value the rank as
   * text). The key is the value rounded to {@code decimals} places (null for a label without value);
   * mean and standard deviation use the exact sums, quantiles and histogram the keys. Needs columns
   * role, lang, rank, labels.
   */
  public static Dataset<Row> frequencies(Dataset<Row> messages, int decimals) {
    return byScope(byRoleLangRank(messages, decimals));
  }

  /**
   * The same sums per (role, lang, rank, name, key): one row per label of a message goes into the
   * aggregation instead of one per label and scope (four times fewer), and the result is small
   * (a few dozen keys per label and combination), so spreading it over the scopes costs nothing.
   */
  static Dataset<Row> byRoleLangRank(Dataset<Row> messages, int decimals) {
    Column value = col("value");
    return messages
        .filter(col("labels").isNotNull())
        .select(col("role"), coalesce(col("lang"), lit(LanguageStats.UNKNOWN_LANG)).as("lang"),
            col("rank"), explode(col("labels")).as(new String[] {"name", "label"}))
        .select(col("role"), col("lang"), col("rank"), col("name"),
            col("label.value").as("value"), col("label.count").as("count"))
        .groupBy(col("role"), col("lang"), col("rank"), col("name"), round(value, decimals).as("key"))
        .agg(count(lit(1)).as("messages"), count(value).as("with_value"),
            sum(col("count").cast("long")).as("reviews"), sum(value).as("s1"),
            sum(value.multiply(value)).as("s2"), min(value).as("vmin"), max(value).as("vmax"));
  }

  /** {@link #byRoleLangRank} rows summed per scope (all, role, lang, rank). */
  static Dataset<Row> byScope(Dataset<Row> byRoleLangRank) {
    Column scopes =
        array(
            struct(lit("all").as("scope"), lit(null).cast("string").as("scope_value")),
            struct(lit("role").as("scope"), col("role").as("scope_value")),
            struct(lit("lang").as("scope"), col("lang").as("scope_value")),
            struct(lit("rank").as("scope"), col("rank").cast("string").as("scope_value")));
    return byRoleLangRank
        .select(col("name"), col("key"), col("messages"), col("with_value"), col("reviews"),
            col("s1"), col("s2"), col("vmin"), col("vmax"), explode(scopes).as("s"))
        .filter(col("s.scope").equalTo("all").or(col("s.scope_value").isNotNull()))
        .groupBy(col("s.scope").as("scope"), col("s.scope_value").as("scope_value"), col("name"),
            col("key"))
        .agg(sum("messages").as("messages"), sum("with_value").as("with_value"),
            sum("reviews").as("reviews"), sum("s1").as("s1"), sum("s2").as("s2"),
            min("vmin").as("vmin"), max("vmax").as("vmax"));
  }

  /** The statistics and histogram rows, computed on the driver from the frequency table. */
  public record Collected(List<Row> stats, List<Row> histogram, int bins) {}

  /**
   * Builds the frequency table (6 decimals, or 3 if that gives more than
   * {@link #MAX_FREQUENCY_ROWS} rows), brings it to the driver and derives every statistic.
   */
  public static Collected compute(Dataset<Row> messages, int bins) {
    if (bins < 1) throw new IllegalArgumentException("analysis.labels.histogram_bins must be >= 1");
    Dataset<Row> fine = frequencies(messages, 6).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> table = fine.count() <= MAX_FREQUENCY_ROWS ? fine : frequencies(messages, 3);
      return fromFrequencies(table.collectAsList(), bins);
    } finally {
      fine.unpersist();
    }
  }

  public static Collected fromFrequencies(List<Row> freq, int bins) {
    Map<List<String>, List<Row>> groups = new TreeMap<>(
        java.util.Comparator.comparing((List<String> k) -> k.get(0))
            .thenComparing(k -> k.get(1) == null ? "" : k.get(1))
            .thenComparing(k -> k.get(2)));
    for (Row r : freq)
      groups.computeIfAbsent(Arrays.asList(r.<String>getAs("scope"), r.<String>getAs("scope_value"),
          r.<String>getAs("name")), k -> new ArrayList<>()).add(r);
    List<Row> stats = new ArrayList<>();
    List<Row> histogram = new ArrayList<>();
    for (Map.Entry<List<String>, List<Row>> g : groups.entrySet()) {
      String scope = g.getKey().get(0), scopeValue = g.getKey().get(1), name = g.getKey().get(2);
      long messages = 0, n = 0, reviews = 0, outOfRange = 0, distinct = 0;
      boolean anyReviews = false;
      double s1 = 0, s2 = 0, vmin = Double.POSITIVE_INFINITY, vmax = Double.NEGATIVE_INFINITY;
      long[] binCounts = new long[bins];
      TreeMap<Double, Long> byKey = new TreeMap<>();
      for (Row r : g.getValue()) {
        messages += r.<Long>getAs("messages");
        if (!r.isNullAt(r.fieldIndex("reviews"))) {
          reviews += r.<Long>getAs("reviews");
          anyReviews = true;
        }
        long c = r.<Long>getAs("with_value");
        if (c == 0) continue;
        n += c;
        distinct++;
        s1 += r.<Double>getAs("s1");
        s2 += r.<Double>getAs("s2");
        vmin = Math.min(vmin, r.<Double>getAs("vmin"));
        vmax = Math.max(vmax, r.<Double>getAs("vmax"));
        double key = r.<Double>getAs("key");
        byKey.merge(key, c, Long::sum);
        if (key < 0 || key > 1) outOfRange += c;
        else binCounts[(int) Math.min(Math.floor(key * bins), bins - 1)] += c;
      }
      Double mean = n == 0 ? null : s1 / n;
      Double sd = n < 2 ? null : Math.sqrt(Math.max(0, (s2 - s1 * s1 / n) / (n - 1)));
      Object[] v = new Object[STATS_SCHEMA.size()];
      int i = 0;
      v[i++] = scope;
      v[i++] = scopeValue;
      v[i++] = name;
      v[i++] = LabelKinds.kindOf(name);
      v[i++] = messages;
      v[i++] = n;
      v[i++] = anyReviews ? reviews : null;
      v[i++] = stable(mean);
      v[i++] = stable(sd);
      v[i++] = n == 0 ? null : vmin;
      v[i++] = n == 0 ? null : vmax;
      for (double p : QUANTILES) v[i++] = n == 0 ? null : nearestRank(byKey, n, p);
      v[i++] = distinct;
      v[i++] = outOfRange;
      stats.add(RowFactory.create(v));
      for (int b = 0; b < bins; b++)
        histogram.add(RowFactory.create(scope, scopeValue, name, b, (double) b / bins,
            (double) (b + 1) / bins, binCounts[b]));
    }
    return new Collected(stats, histogram, bins);
  }

  /** The smallest value whose cumulative count reaches ceil(p * n) (nearest-rank quantile). */
  static double nearestRank(TreeMap<Double, Long> byKey, long n, double p) {
    long rank = Math.max(1, (long) Math.ceil(p * n - 1e-9));
    long seen = 0;
    for (Map.Entry<Double, Long> e : byKey.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) return e.getKey();
    }
    return byKey.lastKey();
  }

  public static final StructType STATS_SCHEMA =
      new StructType()
          .add("scope", DataTypes.StringType, false)
          .add("scope_value", DataTypes.StringType, true)
          .add("name", DataTypes.StringType, false)
          .add("kind", DataTypes.StringType, false)
          .add("messages_with_label", DataTypes.LongType, false)
          .add("messages_with_value", DataTypes.LongType, false)
          .add("reviews", DataTypes.LongType, true)
          .add("mean", DataTypes.DoubleType, true)
          .add("stddev", DataTypes.DoubleType, true)
          .add("min", DataTypes.DoubleType, true)
          .add("max", DataTypes.DoubleType, true)
          .add("q05", DataTypes.DoubleType, true)
          .add("q25", DataTypes.DoubleType, true)
          .add("q50", DataTypes.DoubleType, true)
          .add("q75", DataTypes.DoubleType, true)
          .add("q95", DataTypes.DoubleType, true)
          .add("distinct_values", DataTypes.LongType, false)
          .add("out_of_range", DataTypes.LongType, false);

  public static final StructType HISTOGRAM_SCHEMA =
      new StructType()
          .add("scope", DataTypes.StringType, false)
          .add("scope_value", DataTypes.StringType, true)
          .add("name", DataTypes.StringType, false)
          .add("bin", DataTypes.IntegerType, false)
          .add("bin_low", DataTypes.DoubleType, false)
          .add("bin_high", DataTypes.DoubleType, false)
          .add("messages", DataTypes.LongType, false);

  /** Per scope and label: counts, mean, standard deviation (sample), min, max, quantiles. */
  public static Dataset<Row> stats(org.apache.spark.sql.SparkSession spark, Collected c) {
    return spark.createDataFrame(c.stats(), STATS_SCHEMA);
  }

  /**
   * Spark merges partial sums in whatever order the shuffle delivers them, which moves the last bits
   * of a mean; 12 decimals keep the value and make reruns give the same output fingerprint.
   */
  static Double stable(Double x) {
    if (x == null || x.isNaN() || x.isInfinite()) return x;
    return Math.round(x * 1e12) / 1e12;
  }

  /** Histogram of the label means on 0..1: equal-width bins, the last one closed at 1. */
  public static Dataset<Row> histogram(org.apache.spark.sql.SparkSession spark, Collected c) {
    return spark.createDataFrame(c.histogram(), HISTOGRAM_SCHEMA);
  }

  public static final StructType MEAN_BY_RANK_SCHEMA =
      new StructType()
          .add("rank", DataTypes.IntegerType, true)
          .add("name", DataTypes.StringType, false)
          .add("messages", DataTypes.LongType, false)
          .add("mean", DataTypes.DoubleType, true)
          .add("stddev", DataTypes.DoubleType, true);

  /** The {@code rank} scope of the statistics: rank, name, messages (with a value), mean, stddev. */
  public static Dataset<Row> meanByRank(org.apache.spark.sql.SparkSession spark, Collected c) {
    List<Row> rows = new ArrayList<>();
    for (Row r : c.stats()) {
      if (!"rank".equals(r.getString(0))) continue;
      // The stats rows are built without a schema: fields by position.
      rows.add(RowFactory.create(Integer.valueOf(r.getString(1)), r.getString(2),
          r.get(STATS_SCHEMA.fieldIndex("messages_with_value")), r.get(STATS_SCHEMA.fieldIndex("mean")),
          r.get(STATS_SCHEMA.fieldIndex("stddev"))));
    }
    rows.sort(java.util.Comparator.comparingInt((Row r) -> r.getInt(0)).thenComparing(r -> r.getString(1)));
    return spark.createDataFrame(rows, MEAN_BY_RANK_SCHEMA);
  }

  /** Distinct values of each label over all messages (the stats rows carry no schema). */
  public static Map<String, Long> distinctValues(Collected c) {
    int idx = STATS_SCHEMA.fieldIndex("distinct_values");
    Map<String, Long> out = new TreeMap<>();
    for (Row r : c.stats()) if ("all".equals(r.getString(0))) out.put(r.getString(2), r.getLong(idx));
    return out;
  }

  /** Label names that occur in the aggregate, sorted. */
  public static List<String> names(Collected c) {
    return c.stats().stream()
        .filter(r -> "all".equals(r.getString(0)))
        .map(r -> r.getString(2))
        .sorted()
        .toList();
  }
}
