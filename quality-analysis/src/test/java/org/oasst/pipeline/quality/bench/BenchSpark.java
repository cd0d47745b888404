package org.oasst.pipeline.quality.bench;

import org.apache.spark.sql.SparkSession;

/** The Spark session the analyze benchmarks run in: local, no UI, UTC, few shuffle partitions. */
final class BenchSpark {
  private BenchSpark() {}

  static SparkSession session(String appName) {
    SparkSession spark =
        SparkSession.builder()
            .master(System.getProperty("spark.master", "local[*]"))
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", System.getProperty("shuffle.partitions", "4"))
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
