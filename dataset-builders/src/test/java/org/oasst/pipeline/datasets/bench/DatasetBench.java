package org.oasst.pipeline.datasets.bench;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.datasets.DatasetStage;

/**
 * Benchmark driver: ingests one input into OUTPUT/tables/messages (unless it is there already), then
 * times the dataset stage. Prints one JSON line of timings and row counts. Run by
 * benchmarks/build-bench.sh; {@code --set key=value} passes pipeline settings (e.g.
 * datasets.compat=reference).
 */
public final class DatasetBench {
  public static void main(String[] args) {
    String input = args[0];
    String output = args[1];
    PipelineConfig config = PipelineConfig.defaults();
    for (int i = 2; i + 1 < args.length; i += 2) {
      if (args[i].equals("--set")) config = config.withOverride(args[i + 1]);
    }
    SparkConf conf = new SparkConf().setIfMissing("spark.master", "local[*]").setAppName("build-bench")
        .setIfMissing("spark.ui.enabled", "false").setIfMissing("spark.sql.shuffle.partitions", "8");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    OutputStore store = new OutputStore(spark, output);
    long t0 = System.nanoTime();
    if (!store.exists("tables/messages")) {
      IngestResult r = OasstReader.read(spark, List.of(input), ReadOptions.defaults());
      store.writeTable("tables/messages", r.messages());
      store.commitManifest();
    }
    long t1 = System.nanoTime();
    DatasetStage.run(spark, store, config);
    store.commitManifest();
    long t2 = System.nanoTime();
    @SuppressWarnings("unchecked")
    Map<String, Object> summary = (Map<String, Object>) store.section("datasets");
    System.out.printf(
        "{\"input\":\"%s\",\"ingest_s\":%.1f,\"datasets_s\":%.1f,\"messages\":%s,\"rows\":\"%s\"}%n",
        input,
        (t1 - t0) / 1e9,
        (t2 - t1) / 1e9,
        store.outputs().get("tables/messages").get("rows"),
        summary.get("rows"));
    spark.stop();
  }
}
