package org.oasst.pipeline.quality.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.quality.QualityStage;

/**
 * Times the analyze stage against the floor it is measured by: one scan of every column the
 * analyses use, from the same Parquet table. Usage: AnalyzeBench OUTPUT_DIR [INPUT...]; with inputs,
 * they are ingested into OUTPUT_DIR/tables/messages first (not timed), otherwise that table must
 * exist.
 */
public final class AnalyzeBench {
  public static void main(String[] args) {
    if (args.length < 1) throw new IllegalArgumentException("usage: AnalyzeBench OUTPUT_DIR [INPUT...]");
    SparkSession spark = BenchSpark.session("analyze-bench");
    OutputStore store = new OutputStore(spark, args[0]);
    if (args.length > 1) {
      List<String> inputs = List.of(args).subList(1, args.length);
      IngestResult r = OasstReader.read(spark, inputs, ReadOptions.defaults());
      store.writeTable("tables/messages", r.messages());
      r.release();
    }
    long rows = store.read("tables/messages").count();

    // The floor: materialize every used column once (noop sink: nothing is written).
    List<Column> used = new ArrayList<>();
    for (String c : QualityStage.USED_COLUMNS) used.add(org.apache.spark.sql.functions.col(c));
    used.add(org.apache.spark.sql.functions.col("events").isNotNull());
    double scan = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t = System.nanoTime();
      store.read("tables/messages").select(used.toArray(Column[]::new))
          .write().format("noop").mode("overwrite").save();
      scan = Math.min(scan, (System.nanoTime() - t) / 1e9);
    }
    long t = System.nanoTime();
    PipelineConfig config = PipelineConfig.defaults();
    // -Danalysis.write_threads=N compares write parallelism on the same input.
    String threads = System.getProperty("analysis.write_threads");
    if (threads != null) config = config.with("analysis.write_threads", Integer.parseInt(threads));
    QualityStage.run(spark, store, config);
    double analyze = (System.nanoTime() - t) / 1e9;
    store.commitManifest();
    System.out.printf(
        "messages=%d scan_s=%.2f analyze_s=%.2f ratio=%.2f%n", rows, scan, analyze, analyze / scan);
    System.out.println(store.readText("analysis/quality.meta.json"));
    spark.stop();
  }
}
