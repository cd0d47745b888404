package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.synth.Synth;
import org.oasst.pipeline.core.synth.SynthOptions;

/**
 * The single-pass ingest ({@link SinglePassRead}, taken by {@link IngestStage} for one JSONL file)
 * against the spread read ({@code ingest.single_pass: false}) on the same input: the same tables
 * (rows and fingerprints), the same quarantine and the same manifest sections. And where the single
 * pass cannot finish (a repeated id, too many quarantined lines), the stage falls back to the spread
 * read, and the manifest says why.
 */
class SinglePassReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TABLES =
      List.of("tables/messages", "tables/labels", "tables/emojis", "quarantine");
  private static final List<String> SECTIONS = List.of("inputs", "reconciliation", "unknown_keys");

  @TempDir Path dir;

  private final SparkSession spark = TestSpark.get();

  private JsonNode ingest(Path input, Path out, PipelineConfig config) throws IOException {
    IngestStage.run(spark, new OutputStore(spark, out.toString()), List.of(input.toString()), config);
    return JSON.readTree(out.resolve(OutputStore.MANIFEST).toFile());
  }

  private static PipelineConfig spread() {
    return PipelineConfig.defaults().with(IngestStage.SINGLE_PASS_KEY, false);
  }

  /** Both reads of {@code input}; asserts what they share and returns the single pass's manifest. */
  private JsonNode bothReadsAgree(Path input, PipelineConfig config) throws IOException {
    JsonNode single = ingest(input, dir.resolve("single"), config);
    JsonNode spread =
        ingest(input, dir.resolve("spread"), config.with(IngestStage.SINGLE_PASS_KEY, false));
    assertEquals("spread", spread.at("/read_plan/read").asText());
    assertEquals("ingest.single_pass is false", spread.at("/read_plan/spread_because").asText());
    for (String table : TABLES) {
      JsonNode a = single.at("/outputs").get(table);
      JsonNode b = spread.at("/outputs").get(table);
      assertEquals(b.get("rows"), a.get("rows"), table);
      assertEquals(b.get("schema"), a.get("schema"), table);
      assertEquals(b.get("fingerprint"), a.get("fingerprint"), table);
    }
    for (String section : SECTIONS) assertEquals(spread.get(section), single.get(section), section);
    return single;
  }

  @Test
  void aRealSampleReadInOnePassGivesTheSpreadReadsTablesAndManifest() throws IOException {
    JsonNode single = bothReadsAgree(TestSpark.realSample(TestSpark.EN_100), PipelineConfig.defaults());
    assertEquals("single_pass", single.at("/read_plan/read").asText());
    assertFalse(single.at("/read_plan").has("spread_because"));
    assertEquals(1, single.at("/read_plan/input_reads").asInt());
    assertEquals(1167, single.at("/outputs/tables~1messages/rows").asLong());
    assertEquals(100, single.at("/reconciliation/totals/trees_read").asLong());
    assertEquals(0, single.at("/outputs/quarantine/rows").asLong());
  }

  @Test
  void quarantinedLinesTravelWithThePass() throws IOException {
    // The real sample's lines with broken ones among them, gzip-compressed and cut off mid-line.
    List<String> lines = Files.readAllLines(TestSpark.realSample(TestSpark.EN_100));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      if (i == 10) text.append("{\"message_tree_id\": \"broken\", \n");
      if (i == 40) text.append("   \n");
      if (i == 70) text.append("[1, 2]\n");
      text.append(lines.get(i)).append('\n');
    }
    byte[] whole = gzip(text.toString().getBytes(StandardCharsets.UTF_8));
    Path input = dir.resolve("broken.trees.jsonl.gz");
    Files.write(input, Arrays.copyOf(whole, whole.length - 100));

    JsonNode single = bothReadsAgree(input, PipelineConfig.defaults());
    assertEquals("single_pass", single.at("/read_plan/read").asText());
    // three broken lines and the cut-off one
    assertEquals(4, single.at("/outputs/quarantine/rows").asLong());
    JsonNode file = single.at("/reconciliation/files").elements().next();
    assertEquals(4, file.get("lines_quarantined").asLong());
    assertEquals(
        file.get("lines_read").asLong(),
        file.get("lines_accepted").asLong() + file.get("lines_quarantined").asLong());
  }

  @Test
  void anEmptyFileIsOneQuarantineRowEitherWay() throws IOException {
    Path input = dir.resolve("empty.jsonl");
    Files.write(input, new byte[0]);
    JsonNode single = bothReadsAgree(input, PipelineConfig.defaults());
    assertEquals("single_pass", single.at("/read_plan/read").asText());
    assertEquals(0, single.at("/outputs/tables~1messages/rows").asLong());
    assertEquals(1, single.at("/outputs/quarantine/rows").asLong());
    assertEquals(1, single.at("/reconciliation/totals/empty_files").asLong());
  }

  @Test
  void generatedTreesWithPseudonymizedUsersAreTheSameEitherWay() throws IOException {
    Path input = dir.resolve("synthetic.trees.jsonl");
    try (OutputStream out = Files.newOutputStream(input)) {
      Synth.writeJson(SynthOptions.of(300), out);
    }
    Path key = dir.resolve("key");
    Files.writeString(key, "a test key, long enough to be a key");
    PipelineConfig config =
        PipelineConfig.defaults()
            .with(IngestStage.PSEUDONYMIZE_KEY, true)
            .with(IngestStage.PSEUDONYM_KEY_FILE_KEY, key.toString());
    JsonNode single = bothReadsAgree(input, config);
    assertEquals("single_pass", single.at("/read_plan/read").asText());
    assertEquals(300, single.at("/reconciliation/totals/trees_read").asLong());
    JsonNode plain = ingest(input, dir.resolve("plain"), PipelineConfig.defaults());
    assertEquals(
        plain.at("/outputs/tables~1labels/fingerprint"), single.at("/outputs/tables~1labels/fingerprint"));
    assertNotEquals(
        plain.at("/outputs/tables~1messages/fingerprint"),
        single.at("/outputs/tables~1messages/fingerprint"),
        "the user ids were replaced");
  }

  @Test
  void aRepeatedIdFallsBackToTheSpreadReadOverThePreviousOutput() throws IOException {
    Path out = dir.resolve("out");
    // a complete earlier output in the same folder: the discarded pass must not touch it or its entry
    ingest(TestSpark.realSample(TestSpark.EN_100), out, PipelineConfig.defaults());
    JsonNode m = ingest(TestSpark.realSample(TestSpark.OPENPAWS), out, PipelineConfig.defaults());
    assertEquals("spread", m.at("/read_plan/read").asText());
    assertEquals("a message id or tree id may occur twice", m.at("/read_plan/spread_because").asText());
    assertEquals(2, m.at("/read_plan/input_reads").asInt());
    assertEquals(1500, m.at("/outputs/tables~1messages/rows").asLong());
    assertEquals(551, m.at("/reconciliation/totals/trees_read").asLong());
    assertEquals(31, m.at("/reconciliation/totals/duplicate_trees_collapsed").asLong());
    assertEquals(1500, spark.read().parquet(out.resolve("tables/messages").toString()).count());
    assertFalse(Files.exists(out.resolve("_staging")), "the discarded pass left nothing behind");

    JsonNode spread = ingest(TestSpark.realSample(TestSpark.OPENPAWS), dir.resolve("spread"), spread());
    for (String table : TABLES) {
      assertEquals(
          spread.at("/outputs").get(table).get("fingerprint"), m.at("/outputs").get(table).get("fingerprint"), table);
    }
  }

  @Test
  void moreQuarantinedLinesThanThePassCarriesFallBackToTheSpreadRead() throws IOException {
    // Lines of invalid JSON long enough that their quarantine rows (records cut at 4096 characters)
    // outgrow what the pass carries to the driver, among the real sample's good lines.
    String junk = "{\"not json" + "x".repeat(5000);
    long rowsNeeded = SinglePassRead.QUARANTINE_BYTES / 4096 + 200;
    List<String> good = Files.readAllLines(TestSpark.realSample(TestSpark.EN_100));
    Path input = dir.resolve("junk.jsonl");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < rowsNeeded; i++) {
      text.append(junk).append('\n');
      if (i < good.size()) text.append(good.get(i)).append('\n');
    }
    Files.writeString(input, text);

    JsonNode m = ingest(input, dir.resolve("out"), PipelineConfig.defaults());
    assertEquals("spread", m.at("/read_plan/read").asText());
    assertEquals(
        "more quarantined lines than the single pass carries", m.at("/read_plan/spread_because").asText());
    assertEquals(rowsNeeded, m.at("/outputs/quarantine/rows").asLong());
    assertEquals(1167, m.at("/outputs/tables~1messages/rows").asLong());
  }

  @Test
  void severalInputsUseTheSpreadRead() throws IOException {
    Path out = dir.resolve("two");
    IngestStage.run(
        spark,
        new OutputStore(spark, out.toString()),
        List.of(
            TestSpark.realSample(TestSpark.EN_100).toString(),
            TestSpark.realSample(TestSpark.OPENPAWS).toString()),
        PipelineConfig.defaults());
    JsonNode m = JSON.readTree(out.resolve(OutputStore.MANIFEST).toFile());
    assertEquals("spread", m.at("/read_plan/read").asText());
    assertEquals("several input files", m.at("/read_plan/spread_because").asText());
    assertEquals(1, m.at("/read_plan/input_reads").asInt());
    assertTrue(m.at("/outputs/tables~1messages/rows").asLong() > 1500);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
