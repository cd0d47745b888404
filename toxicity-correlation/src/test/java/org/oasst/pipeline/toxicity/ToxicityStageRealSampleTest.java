package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;

/** The whole stage on the real OASST2 `all` sample: both tables come out, the model is reusable. */
class ToxicityStageRealSampleTest {
  @Test
  void realSampleGivesBothTablesAndAReusableModel() throws Exception {
    SparkSession spark = TestSpark.get();
    Path out = Files.createTempDirectory("tox-stage");
    OutputStore store = new OutputStore(spark, out.toString());
    Dataset<Row> messages =
        OasstReader.read(spark, List.of(TestSpark.realSample(TestSpark.OPENPAWS).toString()), ReadOptions.defaults()).messages();
    store.writeTable("tables/messages", messages);
    PipelineConfig config =
        PipelineConfig.defaults()
            .with("toxicity.scorer.dims", 16)
            .with("toxicity.scorer.epochs", 2)
            .with("toxicity.bootstrap.replicates", 100);
    ToxicityStage.run(spark, store, config);

    // Independent expectations straight from the messages table.
    Dataset<Row> m = store.read("tables/messages");
    Dataset<Row> scope =
        m.where(col("tree_state").equalTo("ready_for_export").and(col("lang").isin("en", "es", "ru", "fr", "it")));
    Dataset<Row> deleted = scope.where(col("deleted").equalTo(true).and(col("detoxify").isNotNull()));
    Dataset<Row> retained = scope.where(col("deleted").equalTo(false).and(col("detoxify").isNotNull()));
    assertTrue(deleted.count() > 0);

    List<Row> table = store.read("toxicity/deleted_vs_retained").collectAsList();
    Row tox = table.stream().filter(r -> r.getString(0).equals("toxicity")).findFirst().orElseThrow();
    assertEquals(deleted.count(), tox.getLong(2));
    assertEquals(retained.count(), tox.getLong(4));
    double meanDeleted = deleted.agg(org.apache.spark.sql.functions.avg("detoxify.toxicity")).first().getDouble(0);
    assertEquals(meanDeleted, tox.getDouble(3), 1e-12);
    for (Row r : table) System.err.println("TABLE2 " + r);

    List<Row> corr = store.read("toxicity/correlation").collectAsList();
    assertEquals(ToxicityOptions.DEFAULT_LABELS.size() * 7, corr.size());
    Row hate = corr.stream().filter(r -> r.getString(1).equals("hate_speech") && r.getString(3).equals("toxicity")).findFirst().orElseThrow();
    assertTrue(hate.getLong(4) > 100, hate.toString());
    for (Row r : corr) if (List.of("hate_speech", "not_appropriate", "sexual_content", "toxicity", "violence").contains(r.getString(1))) System.err.println("FIG3 " + r);
    assertTrue(store.read("toxicity/correlation_by_lang").count() > 0);
    assertTrue(Files.exists(out.resolve("toxicity/correlation.csv")));
    for (Row r : store.read("toxicity/scorer_evaluation").collectAsList()) System.err.println("EVAL " + r);

    // Every message has a score row; those without Detoxify are marked predicted.
    Dataset<Row> scores = store.read("toxicity/scores");
    assertEquals(m.count(), scores.count());
    assertEquals(m.where(col("detoxify").isNull()).count(), scores.where(col("score_source").equalTo("predicted")).count());

    // A second run reusing the saved model predicts exactly the same scores.
    Path out2 = Files.createTempDirectory("tox-stage2");
    OutputStore store2 = new OutputStore(spark, out2.toString());
    store2.writeTable("tables/messages", m);
    ToxicityStage.run(spark, store2, config.with("toxicity.model_path", store.path("toxicity/model")));
    Dataset<Row> again = store2.read("toxicity/scores").where(col("score_source").equalTo("predicted"));
    Dataset<Row> first = scores.where(col("score_source").equalTo("predicted"));
    assertEquals(0, first.exceptAll(again).count());
    assertEquals(first.count(), again.count());
    @SuppressWarnings("unchecked")
    Map<String, Object> scorer = (Map<String, Object>) ((Map<String, Object>) store2.section("toxicity")).get("scorer");
    assertTrue(String.valueOf(scorer.get("model")).startsWith("loaded from"), scorer.toString());
  }
}
