package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;

/** The whole stage on the real openpaws sample (every tree state, deleted messages, labels). */
class DatasetStageTest {
  @TempDir static Path tmp;
  static SparkSession spark;
  static Dataset<Row> messages;
  static OutputStore first;
  static PipelineConfig config;

  @BeforeAll
  static void runStageTwice() throws Exception {
    spark = TestSpark.get();
    messages = TreesFixture.read(spark, TreesFixture.realSample(TestSpark.OPENPAWS), true).cache();
    config =
        PipelineConfig.defaults()
            .with("datasets.split.validation_fraction", 0.3)
            .with("datasets.split.test_fraction", 0.1)
            .with("datasets.formats", List.of("conversational", "text", "sharegpt"))
            .with("datasets.leakage.near_duplicate_threshold", 0.5)
            .with("datasets.exports.enabled", true);
    first = stage(tmp.resolve("run1"));
  }

  static OutputStore stage(Path dir) {
    OutputStore store = new OutputStore(spark, dir.toString());
    store.writeTable("tables/messages", messages);
    DatasetStage.run(spark, store, config);
    return store;
  }

  @Test
  void everyDatasetAndSplitIsWrittenWithACard() throws Exception {
    for (String name : DatasetOptions.ALL_DATASETS) {
      for (String split : List.of("train", "validation", "test")) {
        assertTrue(first.exists("datasets/" + name + "/" + split), name + "/" + split);
      }
      String card = Files.readString(Path.of(java.net.URI.create(first.path("datasets/" + name + "/README.md"))));
      assertTrue(card.startsWith("---\nlicense: apache-2.0\n"), card);
      assertTrue(card.contains("- split: validation"));
      assertTrue(card.contains("num_examples: "));
      assertTrue(card.contains("corrected"));
      assertTrue(card.contains("Near-duplicate prompt pairs"));
    }
    Dataset<Row> sft = first.read("datasets/sft/train");
    assertEquals(
        List.of("message_tree_id", "lang", "message_ids", "messages", "text", "conversations"),
        List.of(sft.columns()));
    assertTrue(sft.count() > 0);
  }

  @Test
  void noTreeIsInTwoSplits() {
    Dataset<Row> union = null;
    for (String name : DatasetOptions.ALL_DATASETS) {
      for (String split : List.of("train", "validation", "test")) {
        Dataset<Row> part = first.read("datasets/" + name + "/" + split).select(col("message_tree_id"), lit(split).as("split"));
        union = union == null ? part : union.union(part);
      }
    }
    Dataset<Row> perTree = union.groupBy("message_tree_id").agg(countDistinct("split").as("n"));
    assertEquals(0, perTree.filter(col("n").gt(1)).count());
    // And the split is the documented hash of the tree id.
    for (Row r : union.distinct().limit(50).collectAsList()) {
      assertEquals(Splits.of(r.getString(0), 287631038922L, 0.3, 0.1), r.getString(1));
    }
  }

  @Test
  void pairsPreferTheBetterRankedReplyOfTheSameParent() {
    Dataset<Row> pairs = first.read("datasets/rm_pairs/train").union(first.read("datasets/rm_pairs/validation")).union(first.read("datasets/rm_pairs/test"));
    assertTrue(pairs.count() > 0);
    Map<String, Row> byId = new HashMap<>();
    for (Row m : messages.select("message_id", "parent_id", "rank", "text").collectAsList()) byId.put(m.getString(0), m);
    for (Row p : pairs.collectAsList()) {
      Row chosen = byId.get(p.<String>getAs("chosen_message_id"));
      Row rejected = byId.get(p.<String>getAs("rejected_message_id"));
      String parent = p.getAs("parent_id");
      assertEquals(parent, chosen.getString(1));
      assertEquals(parent, rejected.getString(1));
      assertTrue(chosen.getInt(2) < rejected.getInt(2));
      assertEquals(chosen.getInt(2), (int) p.<Integer>getAs("chosen_rank"));
      assertEquals(rejected.getInt(2) - chosen.getInt(2), (int) p.<Integer>getAs("rank_margin"));
      List<Row> chosenMsgs = p.getList(p.fieldIndex("chosen"));
      assertEquals("assistant", chosenMsgs.get(0).getString(0));
      assertEquals(chosen.getString(3), chosenMsgs.get(0).getString(1));
      List<String> promptIds = p.getList(p.fieldIndex("prompt_message_ids"));
      assertEquals(parent, promptIds.get(promptIds.size() - 1));
    }
  }

  @Test
  void correctedSftHasNoDeletedOrRejectedMessage() {
    Dataset<Row> sft = first.read("datasets/sft/train").union(first.read("datasets/sft/validation")).union(first.read("datasets/sft/test"));
    Dataset<Row> ids = sft.selectExpr("explode(message_ids) as message_id").distinct();
    Dataset<Row> bad =
        ids.join(messages, "message_id")
            .filter(col("deleted").equalTo(true).or(col("review_result").equalTo(false)).or(col("synthetic").equalTo(true)));
    assertEquals(0, bad.count());
    assertEquals(0, ids.join(messages, "message_id").filter(col("tree_state").notEqual("ready_for_export")).count());
  }

  @Test
  void twoBuildsGiveIdenticalContent() {
    // Two independent builds of every dataset from the same input and seed: same rows, same content.
    DatasetOptions opts = DatasetOptions.from(config);
    Dataset<Row> one = DatasetBuilder.examples(messages, opts, null);
    Dataset<Row> two = DatasetBuilder.examples(messages.repartition(3), opts, null);
    for (String name : opts.datasets) {
      List<String> a = new ArrayList<>();
      a.addAll(DatasetFormats.format(name, one, opts).toJSON().collectAsList());
      List<String> b = new ArrayList<>();
      b.addAll(DatasetFormats.format(name, two, opts).toJSON().collectAsList());
      java.util.Collections.sort(a);
      java.util.Collections.sort(b);
      assertFalse(a.isEmpty(), name);
      assertEquals(a, b, name);
    }
  }

  @Test
  void messagesWithoutTreeIdAreOneMalformedTreeSkippedOrAClearFailure() {
    // a whole tree that gives examples, with its tree id taken away: grouped under a null key, which
    // the walk reports
    DatasetOptions skip = DatasetOptions.from(config.with("datasets.on_malformed_tree", "skip"));
    String someTree = DatasetBuilder.examples(messages, skip, null).first().getAs("message_tree_id");
    Dataset<Row> treeless =
        messages.withColumn(
            "message_tree_id",
            org.apache.spark.sql.functions.when(col("message_tree_id").equalTo(someTree), org.apache.spark.sql.functions.lit(null))
                .otherwise(col("message_tree_id")));
    org.apache.spark.util.LongAccumulator malformed = spark.sparkContext().longAccumulator();
    long withSkip = DatasetBuilder.examples(treeless, skip, malformed).count();
    assertEquals(1L, malformed.value());
    assertTrue(withSkip > 0 && withSkip < DatasetBuilder.examples(messages, skip, null).count());
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class, () -> DatasetBuilder.examples(treeless, DatasetOptions.from(config), null).count());
    assertTrue(String.valueOf(e.getMessage()).contains("without message_tree_id"), e.getMessage());
  }

  @Test
  void splitsAreStableWhenTreesAreAdded() {
    DatasetOptions opts = DatasetOptions.from(config);
    Dataset<Row> all = DatasetBuilder.examples(messages, opts, null).select("message_tree_id", "split").distinct();
    List<String> someTrees = new ArrayList<>();
    for (Row r : all.limit(20).collectAsList()) someTrees.add(r.getString(0));
    Dataset<Row> fewer = messages.filter(col("message_tree_id").isin(someTrees.toArray()));
    Dataset<Row> subset = DatasetBuilder.examples(fewer, opts, null).select("message_tree_id", "split").distinct();
    long same =
        subset
            .join(all, subset.col("message_tree_id").equalTo(all.col("message_tree_id")).and(subset.col("split").equalTo(all.col("split"))))
            .count();
    assertEquals(subset.count(), same);
    assertTrue(same > 0);
  }

  @Test
  void allTreesExportReadsBackToTheSameMessages() throws Exception {
    assertTrue(first.exists("exports/oasst_all.messages.jsonl"));
    assertTrue(first.exists("exports/oasst_ready.trees.jsonl"));
    assertTrue(first.exists("exports/oasst_spam.messages.jsonl"));
    assertTrue(first.exists("exports/oasst_prompts.messages.jsonl"));
    assertFalse(first.exists("exports/oasst_spam.trees.jsonl"));
    Path exported = Path.of(java.net.URI.create(first.path("exports/oasst_all.trees.jsonl")));
    Dataset<Row> back = TreesFixture.read(spark, exported, true);
    String[] compared =
        java.util.Arrays.stream(messages.columns())
            .filter(c -> !c.startsWith("source_"))
            .map(c -> c.equals("emojis") || c.equals("labels") ? "array_sort(map_entries(" + c + ")) as " + c : c)
            .toArray(String[]::new);
    Dataset<Row> a = messages.selectExpr(compared);
    Dataset<Row> b = back.selectExpr(compared);
    assertEquals(messages.count(), back.count());
    assertEquals(0, a.exceptAll(b).count());
    assertEquals(0, b.exceptAll(a).count());
    List<String> spamLines = Files.readAllLines(Path.of(java.net.URI.create(first.path("exports/oasst_spam.messages.jsonl"))));
    long spam = messages.filter(col("deleted").equalTo(true).or(col("review_result").equalTo(false))).count();
    assertEquals(spam, spamLines.size());
    assertTrue(spamLines.get(0).contains("\"message_tree_id\""));
  }
}
