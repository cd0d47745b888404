package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

class RealSampleReadTest {

  @Test
  void openpawsTreesFile() {
    IngestResult r =
        OasstReader.read(
            TestSpark.get(), List.of(TestSpark.realSample(TestSpark.OPENPAWS).toString()), ReadOptions.defaults());
    try {
      Map<String, Object> t = r.totals();
      assertEquals(551L, t.get("lines_read"));
      assertEquals(551L, t.get("lines_accepted"));
      assertEquals(0L, t.get("lines_quarantined"));
      assertEquals(551L, t.get("trees_read"));
      assertEquals(31L, t.get("duplicate_trees_collapsed"));
      assertEquals(1552L, t.get("messages_parsed"));
      assertEquals(52L, t.get("duplicate_messages_collapsed"));
      assertEquals(0L, t.get("conflicting_messages_quarantined"));
      assertEquals(1500L, r.messages().count());
      assertEquals(1500L, r.messages().select("message_id").distinct().count());
      assertEquals(0L, r.quarantine().count());
      assertTrue(r.unknownKeys().get("CRITERIA") > 0, r.unknownKeys().toString());
      assertEquals(List.of("trees"), r.inputs().get(0).get("formats"));
      assertEquals(3255529L, r.inputs().get(0).get("size_bytes"));
      // Every message carries its tree's id and state, though the nodes of a trees file do not.
      assertEquals(0L, r.messages().filter("message_tree_id is null or tree_state is null").count());
      Row root =
          r.messages().filter("message_id = 'a52f790d-6a8d-4b73-b79f-3da1be7f6724'").first();
      assertEquals("growing", root.getAs("tree_state"));
      assertEquals("2023-02-12T19:06:16.233571Z", root.getAs("created_date").toString().isEmpty() ? "" :
          ((java.sql.Timestamp) root.getAs("created_date")).toInstant().toString());
    } finally {
      r.release();
    }
  }

  /**
   * One JSONL input is summarized by its reading task (whether or not adaptive execution has already
   * run that task); several inputs by a pass over the spread rows. Both must account for every line
   * and find the same repeats.
   */
  @Test
  void theReadingTasksSummaryEqualsThePassOverTheSpreadRows(@TempDir Path dir) throws Exception {
    Path file = TestSpark.realSample(TestSpark.OPENPAWS);
    List<String> lines = Files.readAllLines(file);
    Path first = dir.resolve("first.trees.jsonl");
    Path second = dir.resolve("second.trees.jsonl");
    Files.write(first, lines.subList(0, lines.size() / 2));
    Files.write(second, lines.subList(lines.size() / 2, lines.size()));

    SparkSession spark = TestSpark.get();
    Map<String, Object> oneInput = totals(spark, List.of(file.toString()));
    String adaptive = spark.conf().get("spark.sql.adaptive.enabled");
    Map<String, Object> oneInputNotAdaptive;
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    try {
      oneInputNotAdaptive = totals(spark, List.of(file.toString()));
    } finally {
      spark.conf().set("spark.sql.adaptive.enabled", adaptive);
    }
    Map<String, Object> twoInputs = totals(spark, List.of(first.toString(), second.toString()));

    assertEquals(31L, oneInput.get("duplicate_trees_collapsed"));
    assertEquals(1500L, oneInput.get("messages_distinct"));
    assertEquals(oneInput, oneInputNotAdaptive);
    assertEquals(oneInput, twoInputs);
  }

  private static Map<String, Object> totals(SparkSession spark, List<String> inputs) {
    IngestResult r = OasstReader.read(spark, inputs, ReadOptions.defaults());
    try {
      assertEquals(r.totals().get("messages_distinct"), r.messages().count());
      return r.totals();
    } finally {
      r.release();
    }
  }

  @Test
  void en100TreesFile() {
    IngestResult r =
        OasstReader.read(
            TestSpark.get(), List.of(TestSpark.realSample(TestSpark.EN_100).toString()), ReadOptions.defaults());
    try {
      assertEquals(100L, r.totals().get("trees_read"));
      assertEquals(1167L, r.totals().get("messages_distinct"));
      assertEquals(1167L, r.messages().count());
      assertEquals(0L, r.quarantine().count());
    } finally {
      r.release();
    }
  }
}
