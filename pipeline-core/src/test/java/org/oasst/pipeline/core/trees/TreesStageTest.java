package org.oasst.pipeline.core.trees;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oasst.pipeline.core.trees.TestMessages.assistant;
import static org.oasst.pipeline.core.trees.TestMessages.prompter;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;

class TreesStageTest {
  private final SparkSession spark = TestSpark.get();

  @Test
  @SuppressWarnings("unchecked")
  void stageWritesTablesAndRecordsFindingsAndRounds(@TempDir Path dir) {
    OutputStore store = new OutputStore(spark, dir.toString());
    store.writeTable(
        TreesStage.MESSAGES,
        TestMessages.frame(
            spark,
            List.of(
                prompter("a", null).tree("a"),
                assistant("b", "a").tree("a"),
                prompter("c", "b").tree("a"),
                assistant("d", "c").tree("a"),
                prompter("e", "d").tree("a"),
                assistant("o1", "gone").tree("a"),
                prompter("s", null).tree("s").state("prompt_lottery_waiting"))));
    TreesStage.run(spark, store, PipelineConfig.defaults().with("trees.threads", true));

    // the orphan keeps its claimed tree id a, so it is counted in tree a (flagged there)
    assertEquals(2L, store.read(TreesStage.TREES).count());
    assertEquals(6L, store.read(TreesStage.TREES).filter("tree_id = 'a' and not structurally_valid").first().getLong(3));
    assertEquals(7L, store.read(TreesStage.STRUCTURE).count());
    // threads: one per structurally valid message (a..e and s)
    assertEquals(6L, store.read(TreesStage.THREADS).count());
    Map<String, Object> section = (Map<String, Object>) store.section("trees");
    // the orphan leaves its claimed tree: the forest-wide algorithm runs; depth 4 chain: 2 rounds
    assertEquals("pointer_jumping", section.get("assembly"));
    assertEquals(2, ((Number) section.get("pointer_jumping_rounds")).intValue());
    Map<String, Object> findings = (Map<String, Object>) section.get("findings");
    assertEquals(1, ((Number) findings.get("orphan")).intValue());
    assertEquals(0, ((Number) findings.get("cycle")).intValue());
    assertEquals(1, ((Number) section.get("structural_findings")).intValue());
    assertTrue(store.exists(TreesStage.INTEGRITY));
  }
}
