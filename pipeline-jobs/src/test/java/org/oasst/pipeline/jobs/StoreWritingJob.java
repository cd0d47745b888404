package org.oasst.pipeline.jobs;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.io.OutputStore;

/**
 * A stand-in for a multi-stage run, for the killed-run test while the program has no {@code run}
 * command: writes {@code tables} tables of CPU-heavy rows through the product's OutputStore,
 * committing the manifest after each one as a stage does. Started in its own JVM (runnable jar plus
 * test classes) so that it can be killed.
 *
 * <p>Arguments: DIR TABLES ROWS_PER_TABLE [TABLES_PER_COMMIT]. Table {@code i} has
 * {@code ROWS_PER_TABLE + i} rows, so that every table and every run size has its own row count.
 * TABLES_PER_COMMIT (default 1) is how many tables are written between two manifest commits: a stage
 * such as ingest writes several tables and commits the manifest once at its end.
 */
public final class StoreWritingJob {
  private StoreWritingJob() {}

  public static void main(String[] args) {
    String dir = args[0];
    int tables = Integer.parseInt(args[1]);
    long rows = Long.parseLong(args[2]);
    int tablesPerCommit = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("store-writing-job")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      OutputStore store = new OutputStore(spark, dir);
      for (int i = 0; i < tables; i++) {
        long n = rows + i;
        // a digest column gives each write some CPU work, so the kill-point poller sees it in progress
        Dataset<Row> table =
            spark.range(0, n, 1, 4)
                .selectExpr("id", "sha2(cast(id AS string), 256) AS digest",
                    "id % 97 AS bucket");
        String path = i % 2 == 0 ? "tables/t" + i : "analysis/t" + i;
        if (i % 3 == 2) store.writeTableWithCsv(path, table);
        else store.writeTable(path, table);
        System.err.println("[store-writing-job] wrote " + path + " rows=" + n);
        if ((i + 1) % tablesPerCommit == 0 || i == tables - 1) {
          store.commitManifest();
          System.err.println("[store-writing-job] committed the manifest");
        }
      }
    } finally {
      spark.stop();
    }
  }
}
