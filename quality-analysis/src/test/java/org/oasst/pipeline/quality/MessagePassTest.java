package org.oasst.pipeline.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.synth.Synth;
import org.oasst.pipeline.core.synth.SynthOptions;
import org.oasst.pipeline.quality.labels.LabelCorrelation;
import org.oasst.pipeline.quality.labels.LabelStats;
import org.oasst.pipeline.quality.languages.LanguageStats;

/**
 * The single pass against the Spark formulations it replaces (kept in the code base as the
 * reference and as the fallback): the projection row for row, the input facts, the language table,
 * the label statistics, histogram and means by rank, and the correlation matrix, on the real
 * samples, on generated trees and on hand-made edge cases, each read from Parquet in several files.
 */
class MessagePassTest {
  @TempDir static Path dir;

  @Test
  void realSamples() {
    for (String sample : List.of(TestSpark.OPENPAWS, TestSpark.EN_100))
      compare(ingested(sample, TestSpark.realSample(sample).toString()), sample);
  }

  @Test
  void generatedTrees() {
    Path synth = dir.resolve("synth.trees.jsonl");
    Synth.write(null, SynthOptions.of(4000).withSeed(23), synth.toString());
    compare(ingested("synth", synth.toString()), "synth");
  }

  @Test
  void edgeCases() {
    List<Msg> msgs = new ArrayList<>();
    Msg p = Msg.prompt("P", "u1").created("2023-02-01T10:00:00Z").reviews(3, true)
        .label("spam", 0.0, 3).label("lang_mismatch", null, 3).label("quality", 0.5, 2)
        .emoji("+1", 4).emoji("red_flag", 1);
    msgs.add(p);
    // A label without count, one without value, the troll product on the rounding edge.
    msgs.add(Msg.reply("A", p, "u2").rank(0).label("pii", 1 / 3.0, 3).label("quality", -0.0, 0)
        .label("not_appropriate", 0.1, 3).emoji("-1", 2));
    Msg noCount = Msg.reply("B", p, null).rank(1).lang(null);
    noCount.labels = new java.util.LinkedHashMap<>();
    noCount.labels.put("quality", org.apache.spark.sql.RowFactory.create(0.25, null));
    noCount.labels.put("spam", null); // the whole label struct null
    noCount.labels.put("toxicity", org.apache.spark.sql.RowFactory.create(null, null));
    msgs.add(noCount);
    Msg empty = Msg.prompt("E", "u3").lang("de");
    empty.labels = new java.util.LinkedHashMap<>(); // an empty map: labelled, but with nothing
    msgs.add(empty);
    msgs.add(Msg.prompt("N", "u3").lang("de").role("unknown-role"));
    // Names in another order than the messages before, and one not seen before.
    msgs.add(Msg.prompt("O", "u4").created("2023-01-05T00:00:00Z").label("quality", 0.75, 4)
        .label("humor", 0.0, 4).label("spam", 1.0, 4).label("lang_mismatch", 0.25, 4));
    Dataset<Row> table = Msg.table(msgs);
    String path = dir.resolve("edge").toString();
    table.repartition(3).write().parquet(path);
    compare(TestSpark.get().read().parquet(path), "edge cases");
  }

  /**
   * One task reading a file of many row groups whose dictionaries number the same label names and
   * emojis differently (the names come in another order in each half), so that what the pass
   * derives per dictionary id must be forgotten when a new row group's dictionary arrives.
   */
  @Test
  void rowGroupsWithDifferentDictionaries() {
    List<Msg> msgs = new ArrayList<>();
    for (int t = 0; t < 300; t++) {
      boolean late = t >= 150;
      Msg p = Msg.prompt("P" + t, "u" + (t % 17)).lang(late ? "de" : "en");
      Msg a = Msg.reply("A" + t, p, "v" + (t % 11)).rank(t % 3);
      if (late) {
        p.label("humor", (t % 5) / 4.0, 3).label("toxicity", (t % 3) / 2.0, 3).label("quality", 0.25, 3)
            .emoji("-1", t % 4).emoji("+1", 2).emoji("red_flag", 1);
        a.label("pii", 0.5, 2).label("humor", 0.75, 3).emoji("+1", 3);
      } else {
        p.label("quality", (t % 5) / 4.0, 3).label("spam", (t % 2) * 1.0, 3).label("humor", 0.0, 3)
            .emoji("+1", t % 4).emoji("-1", 1);
        a.label("humor", 0.5, 2).label("pii", 0.25, 3).emoji("red_flag", 2);
      }
      msgs.add(p);
      msgs.add(a);
    }
    String path = dir.resolve("row-groups").toString();
    // Row groups of about a hundred messages, in one file read by one task.
    Msg.table(msgs).coalesce(1).write().option("parquet.block.size", "1").parquet(path);
    SparkSession spark = TestSpark.get();
    String maxBytes = "spark.sql.files.maxPartitionBytes";
    String before = spark.conf().get(maxBytes);
    spark.conf().set(maxBytes, String.valueOf(1L << 30));
    try {
      Dataset<Row> messages = spark.read().parquet(path);
      assertEquals(1, messages.rdd().getNumPartitions());
      compare(messages, "row groups", true, false);
    } finally {
      spark.conf().set(maxBytes, before);
    }
  }

  /** Spark's row scan, which the pass takes where the table cannot be read in column batches. */
  @Test
  void rowReadWhereTheVectorizedReaderIsOff() {
    SparkSession spark = TestSpark.get();
    String vectorized = "spark.sql.parquet.enableVectorizedReader";
    spark.conf().set(vectorized, "false");
    try {
      compare(ingested("openpaws-rows", TestSpark.realSample(TestSpark.OPENPAWS).toString()),
          "openpaws, rows", false, true);
    } finally {
      spark.conf().unset(vectorized);
    }
  }

  private static Dataset<Row> ingested(String name, String input) {
    SparkSession spark = TestSpark.get();
    IngestResult read = OasstReader.read(spark, List.of(input), ReadOptions.defaults());
    String path = dir.resolve(name).toString();
    // Several files, so that several partitions are tallied and merged.
    read.messages().repartition(3).write().parquet(path);
    read.release();
    return spark.read().parquet(path);
  }

  private static void compare(Dataset<Row> messages, String what) {
    compare(messages, what, true, true);
  }

  private static void compare(Dataset<Row> messages, String what, boolean columnar, boolean severalParts) {
    SparkSession spark = messages.sparkSession();
    MessagePass.Result pass = MessagePass.run(spark, messages);
    try {
      assertEquals(columnar, pass.columnar(), what + ": read in column batches");
      if (severalParts) assertTrue(messages.rdd().getNumPartitions() > 1, what + ": several partitions");
      // The projection: every message, every column, exactly.
      assertEquals(
          sorted(QualityStage.project(messages)), sorted(pass.projected()), what + ": projection");

      Row f = messages.agg(
              count(lit(1)), sum(when(col("user_id").isNull(), 1L).otherwise(0L)),
              sum(when(col("created_date").isNull(), 1L).otherwise(0L)),
              sum(when(col("events").isNotNull(), 1L).otherwise(0L)),
              sum(when(col("labels").isNotNull(), 1L).otherwise(0L)),
              min("created_date"), max("created_date"))
          .first();
      MessagePass.Facts facts = pass.facts();
      assertEquals(f.getLong(0), facts.messages(), what);
      assertEquals(f.getLong(1), facts.withoutUserId(), what);
      assertEquals(f.getLong(2), facts.withoutCreatedDate(), what);
      assertEquals(f.getLong(3), facts.withEvents(), what);
      assertEquals(f.getLong(4), facts.withLabels(), what);
      assertEquals(f.isNullAt(5) ? null : f.getTimestamp(5).toInstant(), instant(facts.firstCreatedMicros()), what);
      assertEquals(f.isNullAt(6) ? null : f.getTimestamp(6).toInstant(), instant(facts.lastCreatedMicros()), what);

      for (int topN : new int[] {1, 3, 10})
        assertEquals(LanguageStats.languages(messages, topN).collectAsList(),
            LanguageStats.table(spark, pass.languages(), topN).collectAsList(), what + ": languages");

      List<Row> frequencies = pass.labels().frequencyRows();
      assertNotNull(frequencies, what);
      LabelStats.Collected expected = LabelStats.compute(messages, 10);
      LabelStats.Collected actual = LabelStats.fromFrequencies(frequencies, 10);
      // The sums over the values are added in another order (once per distinct value): equal up to
      // the last bits, which the statistics' rounding to 12 decimals mostly hides.
      assertClose(byKey(expected.stats(), 3), byKey(actual.stats(), 3), what + ": label stats");
      assertEquals(byKey(expected.histogram(), 4), byKey(actual.histogram(), 4), what + ": histogram");
      assertClose(LabelStats.meanByRank(spark, expected).collectAsList(),
          LabelStats.meanByRank(spark, actual).collectAsList(), what + ": means by rank");
      List<String> names = LabelStats.names(expected);
      assertEquals(names, pass.labels().names(), what + ": label names");

      Map<String, Boolean> exact = new HashMap<>();
      for (String n : names) exact.put(n, false);
      List<Row> expectedMatrix = LabelCorrelation.matrix(messages, names, exact, 100).collectAsList();
      List<Row> matrix = pass.labels().correlationRows();
      assertNotNull(matrix, what);
      assertClose(expectedMatrix, matrix, what + ": correlation");
    } finally {
      pass.projected().unpersist();
    }
  }

  @Test
  void continuousLabelsGiveTheJointTablesUp() {
    List<Msg> msgs = new ArrayList<>();
    Msg root = Msg.prompt("R", "u1");
    msgs.add(root);
    // 300 distinct values of two labels in one partition: more cells than a pair table keeps.
    for (int i = 0; i < 300; i++)
      msgs.add(Msg.reply("A" + i, root, "u2").label("quality", i / 300.0, 3).label("humor", (i * 7 % 300) / 300.0, 3));
    String path = dir.resolve("continuous").toString();
    Msg.table(msgs).coalesce(1).write().parquet(path);
    Dataset<Row> messages = TestSpark.get().read().parquet(path);
    MessagePass.Result pass = MessagePass.run(TestSpark.get(), messages);
    try {
      assertNull(pass.labels().correlationRows());
      // The frequencies do not depend on the joint tables.
      assertClose(byKey(LabelStats.compute(messages, 10).stats(), 3),
          byKey(LabelStats.fromFrequencies(pass.labels().frequencyRows(), 10).stats(), 3), "continuous");
    } finally {
      pass.projected().unpersist();
    }
  }

  private static Instant instant(Long micros) {
    return micros == null ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  /** The rows ordered by their first {@code keyFields} fields (which identify a row). */
  private static List<Row> byKey(List<Row> rows, int keyFields) {
    java.util.function.Function<Row, String> key = r -> {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < keyFields; i++) b.append(r.get(i)).append('\u0000');
      return b.toString();
    };
    return rows.stream().sorted(java.util.Comparator.comparing(key)).toList();
  }

  /** Equal rows, doubles within 1e-12 (relative to their size when above 1). */
  private static void assertClose(List<Row> expected, List<Row> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": rows");
    for (int r = 0; r < expected.size(); r++) {
      Row e = expected.get(r), a = actual.get(r);
      assertEquals(e.size(), a.size(), what);
      for (int i = 0; i < e.size(); i++) {
        Object x = e.get(i), y = a.get(i);
        if (x instanceof Double dx && y instanceof Double dy)
          assertEquals(dx, dy, 1e-12 * Math.max(1, Math.abs(dx)), what + ": " + e + " / " + a);
        else assertEquals(x, y, what + ": " + e + " / " + a);
      }
    }
  }
}
