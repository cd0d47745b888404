package org.oasst.pipeline.core.read;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

/**
 * The same content as a trees file, as its flattened messages, as HF JSONL rows and as HF Parquet
 * must give identical tables (all columns but source_*).
 */
class EquivalenceTest {
  @TempDir static Path dir;
  static Path trees;
  static Path messages;
  static Path hfJsonl;
  static Path hfParquet;
  static Path treesGz;

  @BeforeAll
  static void convert() throws Exception {
    SparkSession spark = TestSpark.get();
    trees = TestSpark.realSample(TestSpark.OPENPAWS);
    messages = dir.resolve("sample.messages.jsonl");
    hfJsonl = dir.resolve("sample.hf.jsonl");
    FormatConverter.treesToMessages(trees, messages, false);
    FormatConverter.treesToMessages(trees, hfJsonl, true);
    // Parquet as Spark's own JSON reader writes it from the HF rows: independent of our reader.
    hfParquet = dir.resolve("hf_parquet");
    spark.read().schema(ParquetHfReader.HF_SCHEMA).json(hfJsonl.toString())
        .coalesce(1).write().parquet(hfParquet.toString());
    // Named without .gz: the magic bytes must be enough.
    treesGz = dir.resolve("sample.trees.jsonl.compressed");
    FormatConverter.gzip(trees, treesGz);
  }

  static List<String> canonical(Dataset<Row> df) {
    Column[] cols =
        Arrays.stream(df.columns()).filter(c -> !c.startsWith("source_")).map(c -> col(c)).toArray(Column[]::new);
    return df.select(to_json(struct(cols)).as("j")).as(Encoders.STRING()).collectAsList().stream().sorted().toList();
  }

  static void assertSameTables(IngestResult expected, IngestResult actual) {
    List<String> m1 = canonical(expected.messages());
    assertEquals(1500, m1.size());
    assertEquals(m1, canonical(actual.messages()));
    assertEquals(canonical(expected.labels()), canonical(actual.labels()));
    assertEquals(canonical(expected.emojis()), canonical(actual.emojis()));
    assertEquals(0L, actual.quarantine().count());
  }

  static IngestResult read(Path p, String format) {
    return OasstReader.read(TestSpark.get(), List.of(p.toString()), ReadOptions.defaults().withFormat(format));
  }

  @Test
  void allFormatsGiveTheSameTables() {
    IngestResult fromTrees = read(trees, "auto");
    IngestResult fromMessages = read(messages, "auto");
    IngestResult fromHf = read(hfJsonl, "auto");
    IngestResult fromParquet = read(hfParquet, "auto");
    IngestResult fromGz = read(treesGz, "trees");
    try {
      assertSameTables(fromTrees, fromMessages);
      assertSameTables(fromTrees, fromHf);
      assertSameTables(fromTrees, fromParquet);
      assertSameTables(fromTrees, fromGz);
      assertEquals(List.of("messages"), fromMessages.inputs().get(0).get("formats"));
      assertEquals(List.of("hf_jsonl"), fromHf.inputs().get(0).get("formats"));
      assertEquals(List.of("hf_parquet"), fromParquet.inputs().get(0).get("formats"));
      assertEquals("gzip", fromGz.inputs().get(0).get("container"));
      // Flattening keeps the duplicate trees as duplicate message lines: 1,552 lines, 52 collapsed.
      assertEquals(1552L, fromMessages.totals().get("lines_read"));
      assertEquals(52L, fromMessages.totals().get("duplicate_messages_collapsed"));
      assertEquals(1552L, fromParquet.totals().get("lines_read"));
      assertEquals(1552L, fromParquet.totals().get("lines_accepted"));
      assertEquals(31L, fromGz.totals().get("duplicate_trees_collapsed"));
    } finally {
      for (IngestResult r : List.of(fromTrees, fromMessages, fromHf, fromParquet, fromGz)) r.release();
    }
  }

  @Test
  void aDirectoryOfMixedFormats() throws Exception {
    Path mixed = dir.resolve("mixed");
    Files.createDirectories(mixed);
    Files.copy(treesGz, mixed.resolve("a.trees.jsonl.gz"));
    Files.copy(messages, mixed.resolve("b.messages.jsonl"));
    Files.copy(hfJsonl, mixed.resolve("c.hf.jsonl"));
    try (var parts = Files.list(hfParquet)) {
      Path part = parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.copy(part, mixed.resolve("d.parquet"));
    }
    IngestResult r = read(mixed, "auto");
    IngestResult fromTrees = read(trees, "auto");
    try {
      assertSameTables(fromTrees, r);
      Map<String, Object> totals = r.totals();
      assertEquals(4, r.inputs().size());
      assertEquals(551L + 3 * 1552L, totals.get("lines_read"));
      assertEquals(4 * 1552L, totals.get("messages_parsed"));
      assertEquals(4 * 1552L - 1500L, totals.get("duplicate_messages_collapsed"));
      assertEquals(1500L, totals.get("messages_distinct"));
      assertEquals(
          List.of(List.of("trees"), List.of("messages"), List.of("hf_jsonl"), List.of("hf_parquet")),
          r.inputs().stream().map(i -> i.get("formats")).toList());
    } finally {
      r.release();
      fromTrees.release();
    }
  }
}
