package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.synth.Synth;
import org.oasst.pipeline.core.synth.SynthOptions;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorer;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorerModel;

/**
 * Benchmark, run only with -Dtoxicity.bench.trees=N (benchmarks/toxicity-bench.sh): the correlation
 * matrix and Table 2 against one plain scan of the same columns, scorer training time, scoring rate.
 */
@EnabledIfSystemProperty(named = "toxicity.bench.trees", matches = "\\d+")
class ToxicityBenchTest {
  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  @Test
  void bench() throws Exception {
    long trees = Long.parseLong(System.getProperty("toxicity.bench.trees"));
    SparkSession spark = TestSpark.get();
    Path dir = Files.createTempDirectory("tox-bench");
    String file = dir.resolve("bench.trees.jsonl").toString();
    Synth.write(null, SynthOptions.of(trees).withSeed(3), file);
    Dataset<Row> messages =
        OasstReader.read(spark, List.of(file), ReadOptions.defaults()).messages().persist(StorageLevel.MEMORY_AND_DISK());
    long n = messages.count();
    ToxicityOptions o = ToxicityOptions.from(PipelineConfig.defaults());
    Dataset<Row> flat = ToxicityColumns.flatten(messages, o.labels()).persist(StorageLevel.MEMORY_AND_DISK());
    flat.count();
    System.out.println("BENCH messages " + n + " (" + trees + " trees)");

    // Baseline: one scan summing every column the statistics read.
    List<Column> sums = new ArrayList<>();
    for (String c : flat.columns()) if (c.startsWith("d_") || c.startsWith("l_")) sums.add(sum(col(c)));
    long t0 = System.nanoTime();
    flat.where(col("lang").isin(o.languages().toArray())).agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new)).collectAsList();
    System.out.printf("BENCH single_scan_seconds %.2f%n", seconds(t0));

    t0 = System.nanoTime();
    long cells = Correlations.compute(flat, o).count();
    System.out.printf("BENCH correlation_seconds %.2f (%d cells, all + per language)%n", seconds(t0), cells);

    t0 = System.nanoTime();
    DeletedVsRetained.compute(flat, o).count();
    System.out.printf("BENCH deleted_vs_retained_seconds %.2f (%d bootstrap replicates)%n", seconds(t0), o.bootstrapReplicates());

    // -Dtoxicity.bench.tables_only=true: stop after the two tables (the scorer takes minutes).
    if (Boolean.getBoolean("toxicity.bench.tables_only")) return;
    t0 = System.nanoTime();
    ToxicityScorerModel model = ToxicityScorer.train(messages, o.scorer());
    long trained = ToxicityScorer.trainingCount(messages, o.scorer());
    System.out.printf("BENCH scorer_training_seconds %.2f (%d messages, dims %d, epochs %d, vocabulary %d)%n",
        seconds(t0), trained, o.scorer().dims(), o.scorer().epochs(), model.vocabularySize());

    // Scoring rate: every message scored as if it had no Detoxify scores.
    Dataset<Row> unscored = messages.withColumn("detoxify", lit(null).cast(messages.schema().apply("detoxify").dataType()));
    t0 = System.nanoTime();
    long scored = ToxicityScorer.scores(unscored, model).where(col("score_source").equalTo("predicted")).count();
    double s = seconds(t0);
    System.out.printf("BENCH scoring_seconds %.2f (%d messages, %.0f messages/s)%n", s, scored, scored / s);
    for (Row r : ToxicityScorer.evaluate(messages, model, o, List.of("hate_speech", "not_appropriate")).collectAsList())
      System.out.println("BENCH eval " + r);
  }
}
