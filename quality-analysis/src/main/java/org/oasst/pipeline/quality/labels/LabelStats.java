package org.oasst.pipeline.quality.labels;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
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
  private static final String[] QUANTILE_NAMES = {"q05", "q25", "q50", "q75", "q95"};

  /**
   * The aggregated statistics, before they are split into the stats and histogram tables. One row
   * per (scope, scope_value, name). Scopes: all (scope_value null), role, lang, rank (ranked
   * messages only, scope_value the rank as text). Needs columns role, lang, rank, labels.
   */
  public static Dataset<Row> aggregate(Dataset<Row> messages, int bins) {
    if (bins < 1) throw new IllegalArgumentException("analysis.labels.histogram_bins must be >= 1");
    Column scopes =
        array(
            struct(lit("all").as("scope"), lit(null).cast("string").as("scope_value")),
            struct(lit("role").as("scope"), col("role").as("scope_value")),
            struct(lit("lang").as("scope"),
                coalesce(col("lang"), lit(LanguageStats.UNKNOWN_LANG)).as("scope_value")),
            struct(lit("rank").as("scope"), col("rank").cast("string").as("scope_value")));
    Dataset<Row> exploded =
        messages
            .filter(col("labels").isNotNull())
            .select(col("role"), col("lang"), col("rank"), explode(col("labels")).as(new String[] {"name", "label"}))
            .select(
                col("name"),
                col("label.value").as("value"),
                col("label.count").as("count"),
                explode(scopes).as("s"))
            .filter(col("s.scope").equalTo("all").or(col("s.scope_value").isNotNull()));

    Column value = col("value");
    Column inRange = value.geq(0).and(value.leq(1));
    Column bin = least(floor(value.multiply(bins)), lit((long) bins - 1));
    List<Column> aggs = new ArrayList<>();
    aggs.add(count(lit(1)).as("messages_with_label"));
    aggs.add(count(value).as("messages_with_value"));
    aggs.add(sum(col("count").cast("long")).as("reviews"));
    aggs.add(avg(value).as("mean"));
    aggs.add(stddev_samp(value).as("stddev"));
    aggs.add(min(value).as("min"));
    aggs.add(max(value).as("max"));
    aggs.add(percentile_approx(value, lit(QUANTILES), lit(10000)).as("quantiles"));
    aggs.add(approx_count_distinct(value).as("distinct_values"));
    aggs.add(sum(when(value.isNotNull().and(not(inRange)), 1L).otherwise(0L)).as("out_of_range"));
    for (int b = 0; b < bins; b++) {
      aggs.add(sum(when(inRange.and(bin.equalTo(b)), 1L).otherwise(0L)).as("bin_" + b));
    }
    return exploded
        .groupBy(col("s.scope").as("scope"), col("s.scope_value").as("scope_value"), col("name"))
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
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
          .add("distinct_values_approx", DataTypes.LongType, false)
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

  /** The aggregate, computed once and held on the driver (a few thousand rows at most). */
  public record Collected(List<Row> rows, int bins) {}

  public static Collected collect(Dataset<Row> aggregate, int bins) {
    return new Collected(aggregate.collectAsList(), bins);
  }

  /** Per scope and label: counts, mean, standard deviation (sample), min, max, quantiles. */
  public static Dataset<Row> stats(org.apache.spark.sql.SparkSession spark, Collected c) {
    List<Row> out = new ArrayList<>();
    for (Row r : c.rows()) {
      List<Double> q = r.isNullAt(r.fieldIndex("quantiles")) ? null : r.getList(r.fieldIndex("quantiles"));
      Object[] v = new Object[STATS_SCHEMA.size()];
      int i = 0;
      v[i++] = r.getAs("scope");
      v[i++] = r.getAs("scope_value");
      v[i++] = r.getAs("name");
      v[i++] = LabelKinds.kindOf(r.getAs("name"));
      v[i++] = r.getAs("messages_with_label");
      v[i++] = r.getAs("messages_with_value");
      v[i++] = r.getAs("reviews");
      v[i++] = stable(r.getAs("mean"));
      v[i++] = stable(r.getAs("stddev"));
      v[i++] = r.getAs("min");
      v[i++] = r.getAs("max");
      for (int k = 0; k < QUANTILE_NAMES.length; k++) v[i++] = q == null ? null : q.get(k);
      v[i++] = r.getAs("distinct_values");
      v[i++] = r.getAs("out_of_range");
      out.add(RowFactory.create(v));
    }
    return spark.createDataFrame(out, STATS_SCHEMA);
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
    List<Row> out = new ArrayList<>();
    for (Row r : c.rows()) {
      for (int b = 0; b < c.bins(); b++) {
        out.add(
            RowFactory.create(
                r.getAs("scope"), r.getAs("scope_value"), r.getAs("name"), b,
                (double) b / c.bins(), (double) (b + 1) / c.bins(), r.<Long>getAs("bin_" + b)));
      }
    }
    return spark.createDataFrame(out, HISTOGRAM_SCHEMA);
  }

  /** Label names that occur in the aggregate, sorted. */
  public static List<String> names(Collected c) {
    return c.rows().stream()
        .filter(r -> "all".equals(r.getAs("scope")))
        .map(r -> r.<String>getAs("name"))
        .sorted()
        .toList();
  }
}
