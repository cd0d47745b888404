package org.oasst.pipeline.core.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.synth.SynthOptions.Format;
import org.oasst.pipeline.core.synth.SynthOptions.NullStyle;

class SynthStreamingAndOutputTest {

  /**
   * 150k messages (~300 MB of JSON) in a JVM with a 40 MB heap: only works if nothing accumulates.
   */
  @Test
  void generatesFarMoreThanTheHeapHolds() throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java, "-Xmx40m", "-cp", System.getProperty("java.class.path"),
            SynthMain.class.getName(), "--trees", "60000", "--output", "-");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "synth did not finish");
    assertEquals(0, p.exitValue(), err);
    JsonNode summary = SynthTestSupport.MAPPER.readTree(err.substring(err.indexOf('{')));
    long messages = summary.get("messages").asLong();
    assertTrue(messages > 140_000, err);
    assertTrue(summary.get("bytes").asLong() > 40L * 1024 * 1024 * 5, err);
  }

  @Test
  void writeReplacesTheFileAtomicallyAndCounts(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("sub").resolve("s.trees.jsonl.gz");
    SynthSummary s = Synth.write(null, SynthOptions.of(700).withGzip(true), out.toString());
    assertEquals(Files.size(out), s.bytes());
    assertEquals(700, s.trees());
    byte[] plain = SynthTestSupport.bytes(SynthOptions.of(700));
    assertEquals(plain.length, s.uncompressedBytes());
    long nodes = 0;
    for (JsonNode t : SynthTestSupport.parseLines(plain)) nodes += SynthTestSupport.nodesOf(t).size();
    assertEquals(nodes, s.messages());
    try (var files = Files.list(out.getParent())) {
      assertEquals(1, files.count(), "no staging file left behind");
    }
    // written again: replaced, same bytes
    byte[] first = Files.readAllBytes(out);
    Synth.write(null, SynthOptions.of(700).withGzip(true), out.toString());
    assertTrue(java.util.Arrays.equals(first, Files.readAllBytes(out)));
  }

  @Test
  void hfParquetHoldsTheSameMessagesAsHfJsonl(@TempDir Path dir) {
    SparkSession spark = TestSpark.get();
    SynthOptions o = SynthOptions.of(500).withSeed(6).withFormat(Format.HF_PARQUET).withPartitions(2);
    String path = dir.resolve("hf").toString();
    SynthSummary s = Synth.write(spark, o, path);
    List<JsonNode> json = SynthTestSupport.lines(o.withFormat(Format.HF_JSONL));
    assertEquals(json.size(), s.messages());
    assertTrue(s.bytes() > 0);
    Dataset<Row> back = spark.read().schema(SynthParquet.HF_SCHEMA).parquet(path);
    // Parquet gives every column back as nullable: compare names and types
    assertEquals(SynthParquet.HF_SCHEMA.simpleString(), back.schema().simpleString());
    Set<String> ids = new HashSet<>();
    for (JsonNode j : json) ids.add(j.get("message_id").asText());
    Set<String> parquetIds = new HashSet<>(back.select("message_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    assertEquals(ids, parquetIds);
    // one ranked reply, field by field
    JsonNode ranked = json.stream().filter(j -> !j.get("rank").isNull()).findFirst().orElseThrow();
    Row r =
        back.where(back.col("message_id").equalTo(ranked.get("message_id").asText())).first();
    assertEquals(ranked.get("rank").asInt(), r.<Integer>getAs("rank"));
    assertEquals(ranked.get("text").asText(), r.<String>getAs("text"));
    assertEquals(ranked.get("created_date").asText(), r.<String>getAs("created_date"));
    Row labels = r.getAs("labels");
    assertEquals(ranked.get("labels").get("name").size(), labels.getList(0).size());
    assertEquals(ranked.get("labels").get("value").get(0).asDouble(), (Double) labels.getList(1).get(0));
  }

  @Test
  void optionsComeFromTheSynthConfigPrefixWithDefaultsInCode() {
    SynthOptions d = SynthOptions.fromConfig(org.oasst.pipeline.core.config.PipelineConfig.defaults());
    assertEquals(new SynthOptions(4000, 42, Format.TREES, false, NullStyle.WRITE, false, true, 1, 0), d);
    SynthOptions c =
        SynthOptions.fromConfig(
            org.oasst.pipeline.core.config.PipelineConfig.defaults()
                .with("synth.trees", 12)
                .with("synth.format", "messages")
                .with("synth.null_style", "drop")
                .with("synth.gzip", true));
    assertEquals(12, c.trees());
    assertEquals(Format.MESSAGES, c.format());
    assertEquals(NullStyle.DROP, c.nullStyle());
    assertTrue(c.gzip());
  }

  @Test
  void commandLineParsesAndRejectsBadInput() {
    SynthMain.Args a =
        SynthMain.parse(
            new String[] {"--trees", "1_000", "--output", "x.jsonl.gz", "--seed", "5", "--format",
              "hf-jsonl", "--gzip", "--null-style", "drop", "--unknown-keys", "--threads", "2"});
    assertEquals(1000, a.options().trees());
    assertEquals(5, a.options().seed());
    assertEquals(Format.HF_JSONL, a.options().format());
    assertTrue(a.options().gzip() && a.options().unknownKeys() && a.options().asciiOnly());
    assertEquals(NullStyle.DROP, a.options().nullStyle());
    assertEquals(2, a.options().threads());
    assertEquals("x.jsonl.gz", a.output());
    assertThrows(IllegalArgumentException.class, () -> SynthMain.parse(new String[] {"--trees", "5"}));
    assertThrows(IllegalArgumentException.class, () -> SynthMain.parse(new String[] {"--output", "x"}));
    assertThrows(IllegalArgumentException.class, () -> SynthMain.parse(new String[] {"--trees", "x", "--output", "y"}));
    assertThrows(IllegalArgumentException.class, () -> SynthMain.parse(new String[] {"--trees", "1", "--output", "y", "--format", "csv"}));
    assertThrows(IllegalArgumentException.class, () -> SynthMain.parse(new String[] {"--trees", "1", "--output", "y", "--bogus"}));
    assertThrows(IllegalArgumentException.class, () -> Synth.write(null, SynthOptions.of(1).withFormat(Format.HF_PARQUET), "z"));
    assertTrue(new File(".").exists());
  }
}
