package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

/** The command line's contract: exit codes, one-line errors, and what the commands write. */
class CommandLineTest {
  record Result(int code, String out, String err) {}

  @BeforeAll
  static void sharedSession() {
    TestSpark.get(); // the commands borrow the test JVM's one session instead of making their own
  }

  static Result cli(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        OasstPipeline.run(
            argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertNoStackTrace(Result r) {
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose:\n" + r.err());
  }

  @Test
  void usageErrorsExitWithTwoAndSayWhy() {
    Result none = cli();
    assertEquals(2, none.code());
    assertTrue(none.err().contains("usage: oasst-pipeline <command>"));

    Result unknown = cli("frobnicate");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().startsWith("error: unknown command 'frobnicate'"), unknown.err());

    Result badOption = cli("ingest", "--input", "x.jsonl", "--output", "o", "--colour", "red");
    assertEquals(2, badOption.code());
    assertTrue(badOption.err().contains("unknown option --colour"), badOption.err());

    Result missingValue = cli("sql", "--output");
    assertEquals(2, missingValue.code());
    assertTrue(missingValue.err().contains("--output needs a value"), missingValue.err());

    Result badCompat = cli("build", "--output", "o", "--compat", "legacy");
    assertEquals(2, badCompat.code());
    assertTrue(badCompat.err().contains("--compat takes"), badCompat.err());

    Result badSet = cli("trees", "--output", "o", "--set", "novalue");
    assertEquals(2, badSet.code());
    assertNoStackTrace(badSet);
  }

  @Test
  void helpAndVersionExitWithZero() {
    Result overview = cli("--help");
    assertEquals(0, overview.code());
    for (String command : new String[] {"run", "ingest", "trees", "analyze", "toxicity", "build", "synth", "sql"}) {
      assertTrue(overview.out().contains("  " + command + " "), "overview lists " + command);
      Result help = cli(command, "--help");
      assertEquals(0, help.code(), command + " --help");
      assertTrue(help.out().startsWith("usage: oasst-pipeline " + command), help.out());
    }
    assertEquals(0, cli("--version").code());
  }

  @Test
  void aMissingInputFailsWithOneLineBeforeAnyWork(@TempDir Path dir) {
    Path missing = dir.resolve("nope.trees.jsonl");
    Result r = cli("ingest", "--input", missing.toString(), "--output", dir.resolve("out").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("nope.trees.jsonl"), r.err());
    assertNoStackTrace(r);
    assertFalse(Files.exists(dir.resolve("out/tables")), "nothing written");
  }

  @Test
  void aStageWithoutItsInputsIsAClearFailure(@TempDir Path dir) {
    Result r = cli("analyze", "--output", dir.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("tables/messages"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void stagesOneByOneThenSqlOverTheOutputs(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("in.trees.jsonl.gz");
    Path out = dir.resolve("out");
    Result synth = cli("synth", "--trees", "200", "--output", input.toString(), "--gzip", "--seed", "3");
    assertEquals(0, synth.code(), synth.err());
    assertTrue(Files.size(input) > 0);

    Result ingest = cli("ingest", "--input", input.toString(), "--output", out.toString());
    assertEquals(0, ingest.code(), ingest.err());
    assertTrue(ingest.err().contains("[ingest] input read once and written in the same pass"), ingest.err());
    assertEquals(0, cli("trees", "--output", out.toString()).code());
    Result build = cli("build", "--output", out.toString(), "--set", "datasets.build=[sft, rm_pairs]");
    assertEquals(0, build.code(), build.err());

    JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    long messages = manifest.path("outputs").path("tables/messages").path("rows").asLong();
    long trees = manifest.path("outputs").path("tables/trees").path("rows").asLong();
    assertEquals(200, trees);
    assertTrue(messages > 200, "a synthetic tree averages about 2.5 messages");
    JsonNode totals = manifest.path("reconciliation");
    assertFalse(totals.isMissingNode(), "reconciliation recorded");
    assertTrue(manifest.path("outputs").has("datasets/sft/train"), manifest.path("outputs").toString());
    assertTrue(manifest.path("stage_seconds").has("build"));

    Result count = cli("sql", "--output", out.toString(), "--format", "csv", "SELECT count(*) AS n FROM messages");
    assertEquals(0, count.code(), count.err());
    assertEquals("n\n" + messages + "\n", count.out().replace("\r", ""));

    Result joined =
        cli("sql", "--output", out.toString(), "--format", "json",
            "SELECT t.tree_state, count(*) AS n FROM messages m JOIN trees t ON m.message_tree_id = t.tree_id GROUP BY t.tree_state");
    assertEquals(0, joined.code(), joined.err());
    long sum = 0;
    for (String line : joined.out().split("\n")) if (!line.isBlank()) sum += new ObjectMapper().readTree(line).path("n").asLong();
    assertEquals(messages, sum, "every message joins its tree");

    Result badSql = cli("sql", "--output", out.toString(), "SELECT nope FROM messages");
    assertEquals(1, badSql.code());
    assertNoStackTrace(badSql);
  }

  @Test
  void theSameInputGivesTheSameFingerprints(@TempDir Path dir) throws Exception {
    String input = TestSpark.realSample(TestSpark.EN_100).toString();
    for (String run : new String[] {"a", "b"}) {
      Result r = cli("ingest", "--input", input, "--output", dir.resolve(run).toString());
      assertEquals(0, r.code(), r.err());
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree(dir.resolve("a/manifest.json").toFile()).path("outputs");
    JsonNode b = json.readTree(dir.resolve("b/manifest.json").toFile()).path("outputs");
    assertEquals(1167, a.path("tables/messages").path("rows").asLong());
    for (String table : new String[] {"tables/messages", "tables/labels", "tables/emojis", "quarantine"}) {
      assertEquals(a.path(table).path("fingerprint"), b.path(table).path("fingerprint"), table);
    }
  }
}
