package org.oasst.pipeline.quality.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.quality.QualityStage;

/**
 * What the analyses' per-user outputs cost at the least, next to the scan the analyze benchmark
 * divides by: the smallest per-user aggregation (messages and prompts per user and language) written
 * to Parquet, and those rows sorted by count and user id (the order every per-user table is ranked
 * in) and written. Neither has labels, a time frame or a CSV copy, so the analyses' three ranked
 * per-user tables cost at least the scan plus the aggregation plus three sorted writes. Usage:
 * PerUserFloorBench OUTPUT_DIR (with tables/messages); writes under OUTPUT_DIR/per-user-floor/.
 */
public final class PerUserFloorBench {
  public static void main(String[] args) {
    if (args.length != 1) throw new IllegalArgumentException("usage: PerUserFloorBench OUTPUT_DIR");
    SparkSession spark = BenchSpark.session("per-user-floor");
    String messages = args[0] + "/tables/messages";
    String out = args[0] + "/per-user-floor";
    List<Column> used = new ArrayList<>();
    for (String c : QualityStage.USED_COLUMNS) used.add(col(c));
    used.add(col("events").isNotNull());
    int runs = Integer.getInteger("runs", 3);
    double[] scan = new double[runs], userColumns = new double[runs], aggregate = new double[runs],
        sorted = new double[runs];
    // Round -1 warms the JVM up (the first scan of a fresh JVM took 19 s against 11-13 s after) and is
    // not counted.
    for (int i = -1; i < runs; i++) {
      int at = Math.max(i, 0);
      scan[at] = seconds(() -> spark.read().parquet(messages).select(used.toArray(Column[]::new))
          .write().format("noop").mode("overwrite").save());
      userColumns[at] = seconds(() -> spark.read().parquet(messages)
          .select("user_id", "lang", "parent_id").write().format("noop").mode("overwrite").save());
      aggregate[at] = seconds(() -> spark.read().parquet(messages)
          .groupBy("user_id", "lang")
          .agg(count(lit(1)).as("messages"),
              sum(when(col("parent_id").isNull(), 1L).otherwise(0L)).as("prompts"))
          .write().mode("overwrite").parquet(out + "/per_user_and_language"));
      sorted[at] = seconds(() -> spark.read().parquet(out + "/per_user_and_language")
          .orderBy(col("messages").desc(), col("user_id"))
          .write().mode("overwrite").parquet(out + "/sorted"));
    }
    long rows = spark.read().parquet(out + "/per_user_and_language").count();
    double s = median(scan), u = median(userColumns), a = median(aggregate), o = median(sorted);
    System.out.printf(
        "per_user_rows=%d scan_s=%.2f user_columns_scan_s=%.2f aggregate_write_s=%.2f sorted_write_s=%.2f%n",
        rows, s, u, a, o);
    System.out.printf(
        "floor of scan + aggregation (without its own read) + 3 sorted writes: %.2f s = %.2fx the scan%n",
        s + (a - u) + 3 * o, (s + (a - u) + 3 * o) / s);
    System.out.println("runs: scan " + Arrays.toString(scan) + " user_columns " + Arrays.toString(userColumns)
        + " aggregate " + Arrays.toString(aggregate) + " sorted " + Arrays.toString(sorted));
    spark.stop();
  }

  private static double seconds(Runnable r) {
    long t = System.nanoTime();
    r.run();
    return Math.round((System.nanoTime() - t) / 1e7) / 100.0;
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
