package org.oasst.pipeline.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.quality.labels.LabelCorrelation;
import org.oasst.pipeline.quality.labels.LabelStats;

/**
 * The whole stage where the single pass cannot give the label figures: continuous label values
 * (the pass gives the joint tables up) and labels with more distinct values than
 * {@code analysis.labels.max_exact_values} (Spearman on the coarse grid). The stage then reads the
 * labels map again with the Spark passes, and its outputs are theirs.
 */
class LabelFallbackTest {
  @TempDir Path dir;

  /** 300 assistant replies whose two labels take 300 distinct values each. */
  private static Dataset<Row> continuous() {
    List<Msg> msgs = new ArrayList<>();
    Msg root = Msg.prompt("R", "u0").label("quality", 0.5, 3).label("humor", 0.25, 3);
    msgs.add(root);
    for (int i = 0; i < 300; i++)
      msgs.add(Msg.reply("A" + i, root, "u" + (i % 7)).label("quality", i / 300.0, 3)
          .label("humor", (i * 7 % 300) / 300.0, 3));
    return Msg.table(msgs);
  }

  private OutputStore run(PipelineConfig config) {
    OutputStore store = new OutputStore(TestSpark.get(), dir.resolve("out").toString());
    store.writeTable("tables/messages", continuous().coalesce(1));
    QualityStage.run(TestSpark.get(), store, config);
    return store;
  }

  @Test
  void continuousValuesAreCorrelatedByTheSparkPass() {
    OutputStore store = run(PipelineConfig.defaults());
    Dataset<Row> messages = store.read("tables/messages");
    Map<String, Boolean> exact = new HashMap<>();
    for (String n : List.of("humor", "quality")) exact.put(n, false);
    List<Row> expected =
        LabelCorrelation.matrix(messages, List.of("humor", "quality"), exact, 100).collectAsList();
    List<Row> written = store.read("analysis/label_correlation").collectAsList();
    assertEquals(sorted(expected), sorted(written));
    // quality and humor are both permutations of the same 300 steps plus the root: strongly tied
    // only through the root, so far from 1; the point is that each cell has all 301 messages.
    for (Row r : written) assertEquals(301L, r.getLong(2));
    assertEquals(sorted(LabelStats.stats(TestSpark.get(), LabelStats.compute(messages, 10)).collectAsList()),
        sorted(store.read("analysis/label_stats").collectAsList()));
  }

  @Test
  void labelsWithTooManyValuesAreRankedOnTheCoarseGrid() {
    OutputStore store = run(PipelineConfig.defaults().with("analysis.labels.max_exact_values", 50));
    List<Row> written = store.read("analysis/label_correlation").collectAsList();
    assertEquals(4, written.size());
    for (Row r : written) assertFalse(r.getBoolean(5), "spearman_exact: " + r);
    Dataset<Row> messages = store.read("tables/messages");
    Map<String, Boolean> coarse = new HashMap<>();
    for (String n : List.of("humor", "quality")) coarse.put(n, true);
    assertEquals(sorted(LabelCorrelation.matrix(messages, List.of("humor", "quality"), coarse, 100)
        .collectAsList()), sorted(written));
    assertTrue(store.readText("analysis/quality.meta.json").contains("\"names\" : [ \"humor\", \"quality\" ]"));
  }

  private static List<String> sorted(List<Row> rows) {
    return rows.stream().map(Row::toString).sorted().toList();
  }
}
