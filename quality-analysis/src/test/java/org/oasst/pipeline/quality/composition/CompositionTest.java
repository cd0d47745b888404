package org.oasst.pipeline.quality.composition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.trees.TreesStage;

class CompositionTest {
  private final SparkSession spark = TestSpark.get();

  /** Counts walked straight from the JSON, one entry per (metric, key). */
  private static Map<String, Long> expectedFromJson(Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> trees = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) continue;
      JsonNode t = json.readTree(line);
      trees.putIfAbsent(t.get("message_tree_id").asText(), t);
    }
    Map<String, Long> e = new HashMap<>();
    Set<String> seen = new HashSet<>();
    Set<String> users = new HashSet<>();
    Set<String> langs = new HashSet<>();
    for (JsonNode t : trees.values()) {
      String state = t.get("tree_state").asText();
      e.merge("trees:all", 1L, Long::sum);
      e.merge("trees_by_state:" + state, 1L, Long::sum);
      List<JsonNode> nodes = new java.util.ArrayList<>();
      java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>(List.of(t.get("prompt")));
      while (!todo.isEmpty()) {
        JsonNode n = todo.pop();
        nodes.add(n);
        if (n.hasNonNull("replies")) n.get("replies").forEach(todo::push);
      }
      if (state.equals("ready_for_export")) {
        e.merge("complete_trees:all", 1L, Long::sum);
        e.merge("messages_in_complete_trees:all", (long) nodes.size(), Long::sum);
      }
      if (nodes.size() == 1) e.merge("single_prompt_trees:all", 1L, Long::sum);
      if (nodes.size() == 1 && state.equals("prompt_lottery_waiting")) {
        e.merge("single_prompt_lottery_trees:all", 1L, Long::sum);
      }
      for (JsonNode n : nodes) {
        if (!seen.add(n.get("message_id").asText())) continue;
        e.merge("messages:all", 1L, Long::sum);
        e.merge("messages_by_role:" + n.get("role").asText(), 1L, Long::sum);
        e.merge("messages_by_language:" + n.get("lang").asText(), 1L, Long::sum);
        langs.add(n.get("lang").asText());
        if (n.hasNonNull("user_id")) users.add(n.get("user_id").asText());
        boolean synthetic = n.path("synthetic").asBoolean(false);
        e.merge(synthetic ? "synthetic_messages:all" : "human_messages:all", 1L, Long::sum);
        if (n.path("deleted").asBoolean(false)) e.merge("deleted_messages:all", 1L, Long::sum);
        if (n.hasNonNull("review_result") && !n.get("review_result").asBoolean()) {
          e.merge("rejected_messages:all", 1L, Long::sum);
        }
        if (n.hasNonNull("labels")) {
          for (Iterator<JsonNode> it = n.get("labels").elements(); it.hasNext(); ) {
            e.merge("ratings:all", it.next().path("count").asLong(0), Long::sum);
          }
        }
      }
    }
    e.put("languages:all", (long) langs.size());
    e.put("users:all", (long) users.size());
    for (String zero :
        List.of("synthetic_messages:all", "deleted_messages:all", "rejected_messages:all", "ratings:all",
            "complete_trees:all", "messages_in_complete_trees:all", "single_prompt_trees:all",
            "single_prompt_lottery_trees:all")) {
      e.putIfAbsent(zero, 0L);
    }
    return e;
  }

  private static Map<String, Long> asMap(Dataset<Row> composition) {
    Map<String, Long> m = new HashMap<>();
    for (Row r : composition.collectAsList()) {
      Long previous = m.put(r.getString(0) + ":" + r.getString(1), r.getLong(2));
      assertEquals(null, previous, "duplicate row " + r);
    }
    return m;
  }

  @Test
  void compositionOfTheRealOpenPawsSampleMatchesAPlainWalk(@TempDir Path dir) throws Exception {
    Path file = TestSpark.realSample(TestSpark.OPENPAWS);
    Map<String, Long> expected = expectedFromJson(file);
    assertEquals(520L, expected.get("trees:all"));
    assertEquals(1500L, expected.get("messages:all"));

    OutputStore store = new OutputStore(spark, dir.toString());
    store.writeTable(
        TreesStage.MESSAGES,
        OasstReader.read(spark, List.of(file.toString()), ReadOptions.defaults()).messages());
    // without tables/trees: the stage assembles the trees itself
    CompositionStage.run(spark, store, PipelineConfig.defaults());
    Map<String, Long> got = asMap(store.read(CompositionStage.OUTPUT));
    assertEquals(expected, got);
    assertTrue(Files.isRegularFile(dir.resolve(CompositionStage.OUTPUT + ".csv")));
    List<String> csv = Files.readAllLines(dir.resolve(CompositionStage.OUTPUT + ".csv"));
    assertEquals("metric,key,value", csv.get(0));
    assertEquals("messages,all,1500", csv.get(1));

    // with the labels table, the ratings are summed from it: the same numbers
    store.writeTable("tables/labels", org.oasst.pipeline.core.read.IngestTables.labels(store.read(TreesStage.MESSAGES)));
    CompositionStage.run(spark, store, PipelineConfig.defaults());
    assertEquals(expected, asMap(store.read(CompositionStage.OUTPUT)));
    assertTrue(expected.get("ratings:all") > 0);
  }

  @Test
  void rowsComeInMetricOrderLargestKeyFirstAndAnEmptyInputGivesZeros() {
    Dataset<Row> messages =
        org.oasst.pipeline.core.trees.TestMessages.frame(
            spark,
            List.of(
                org.oasst.pipeline.core.trees.TestMessages.prompter("a", null).tree("a").lang("de"),
                org.oasst.pipeline.core.trees.TestMessages.assistant("b", "a").tree("a").lang("en"),
                org.oasst.pipeline.core.trees.TestMessages.assistant("c", "a").tree("a").lang("en").deleted(true),
                org.oasst.pipeline.core.trees.TestMessages.prompter("d", null).tree("d").lang("es").state("growing")));
    Dataset<Row> trees =
        org.oasst.pipeline.core.trees.TreeSummary.trees(org.oasst.pipeline.core.trees.TreeAssembly.annotate(messages));
    List<String> rows = new java.util.ArrayList<>();
    for (Row r : Composition.composition(messages, trees).collectAsList()) rows.add(r.mkString(":"));
    assertEquals(
        List.of(
            "messages:all:4", "messages_by_role:assistant:2", "messages_by_role:prompter:2", "trees:all:2",
            "trees_by_state:growing:1", "trees_by_state:ready_for_export:1", "complete_trees:all:1",
            "messages_in_complete_trees:all:3", "single_prompt_lottery_trees:all:0", "single_prompt_trees:all:1",
            "languages:all:3", "messages_by_language:en:2", "messages_by_language:de:1",
            "messages_by_language:es:1", "ratings:all:0", "synthetic_messages:all:0", "human_messages:all:4",
            "deleted_messages:all:1", "rejected_messages:all:0", "users:all:1"),
        rows);

    List<String> empty = new java.util.ArrayList<>();
    for (Row r : Composition.composition(messages.limit(0), trees.limit(0)).collectAsList()) empty.add(r.mkString(":"));
    assertEquals(
        List.of(
            "messages:all:0", "trees:all:0", "complete_trees:all:0", "messages_in_complete_trees:all:0",
            "single_prompt_lottery_trees:all:0", "single_prompt_trees:all:0", "languages:all:0", "ratings:all:0",
            "synthetic_messages:all:0", "human_messages:all:0", "deleted_messages:all:0", "rejected_messages:all:0",
            "users:all:0"),
        empty);
  }
}
