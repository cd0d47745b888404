package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

/**
 * A run killed with SIGKILL in the middle of writing an output must leave only complete outputs:
 * each table folder on disk has its manifest entry with its true row count, and when the killed run
 * wrote over an earlier complete run, every output of that run is still there and still complete.
 */
class KilledRunIT {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(115);
  private static final Duration KILL_POINT_TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path temp;
  private static ItProcesses processes;

  @BeforeAll
  static void setUp() {
    processes = new ItProcesses(ItProcesses.logDir(KilledRunIT.class));
  }

  @AfterAll
  static void tearDown() {
    if (processes != null) processes.close();
  }

  /** True once a write is under way in {@code DIR/_staging} (a Parquet part or a temporary folder in it). */
  static boolean writeInProgress(Path dir) {
    Path staging = dir.resolve("_staging");
    if (!Files.isDirectory(staging)) return false;
    try (Stream<Path> all = Files.walk(staging)) {
      return all.anyMatch(p -> p.getFileName().toString().startsWith("part-")
          || p.getFileName().toString().equals("_temporary"));
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // the folder moved while we looked: not a usable kill point
    }
  }

  /** Waits until {@code ready} holds and a write is in progress, then kills by force (SIGKILL: no shutdown hook runs). */
  private static void killMidWrite(ItProcesses.Started run, Path dir, String readyWhat, BooleanSupplier ready) {
    ItProcesses.await(readyWhat + " and a write in progress", KILL_POINT_TIMEOUT,
        () -> ready.getAsBoolean() && writeInProgress(dir), run);
    run.process().destroyForcibly();
    try {
      assertTrue(run.process().waitFor(20, TimeUnit.SECONDS), "the killed JVM did not end");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static BooleanSupplier committedAtLeast(Path dir, int outputs) {
    return () -> OutputFolderCheck.of(dir).manifestRows().size() >= outputs;
  }

  /** True once the manifest was rewritten after {@code before}: the new run committed an output. */
  private static BooleanSupplier manifestRewrittenAfter(Path dir, FileTime before) {
    return () -> {
      try {
        return Files.getLastModifiedTime(dir.resolve("manifest.json")).compareTo(before) > 0;
      } catch (IOException e) {
        return false; // between the move of the old manifest and the new one
      }
    };
  }

  private static ItProcesses.Started startWriter(String name, Path dir, int tables, long rows) throws IOException {
    return startWriter(name, dir, tables, rows, 1);
  }

  private static ItProcesses.Started startWriter(String name, Path dir, int tables, long rows, int tablesPerCommit)
      throws IOException {
    List<String> jvm = new ArrayList<>(ItProcesses.javaOpens());
    jvm.addAll(List.of("-Xmx1g", "-cp",
        ItProcesses.classpath(ItProcesses.fatJar(), ItProcesses.buildDir().resolve("test-classes"))));
    List<String> args = List.of(StoreWritingJob.class.getName(), dir.toString(), String.valueOf(tables),
        String.valueOf(rows), String.valueOf(tablesPerCommit));
    return processes.start(name, jvm, args, Map.of(), Files.createDirectories(temp.resolve("cwd")));
  }

  @Test
  void outputStoreWritesSurviveSigkill() throws IOException {
    SparkSession spark = TestSpark.get();
    Path dir = temp.resolve("writer-output");
    int tables = 5;
    long smaller = 100_000;
    long bigger = 150_000; // the killed runs write other row counts than the complete one

    // 1. a first run killed while writing its second table: nothing half-written may look complete
    killMidWrite(startWriter("writer-killed-fresh", dir, tables, bigger), dir, "one output committed", committedAtLeast(dir, 1));
    OutputFolderCheck afterFirstKill = OutputFolderCheck.of(dir);
    afterFirstKill.assertConsistent(spark, false);
    assertTrue(afterFirstKill.manifestRows().size() >= 1 && afterFirstKill.manifestRows().size() < tables,
        "the kill did not land mid-run: " + afterFirstKill.describe());

    // 2. a complete run over the same folder
    ItProcesses.Started complete = startWriter("writer-complete", dir, tables, smaller);
    assertEquals(0, ItProcesses.waitFor(complete, RUN_TIMEOUT), complete.logTail(4000));
    OutputFolderCheck completed = OutputFolderCheck.of(dir);
    completed.assertConsistent(spark, true);
    assertEquals(tables, completed.manifestRows().size(), completed.describe());
    for (int i = 0; i < tables; i++) {
      String path = i % 2 == 0 ? "tables/t" + i : "analysis/t" + i;
      assertEquals(smaller + i, completed.manifestRows(path), path);
    }

    // 3. a second, bigger run over the complete folder, killed after it replaced some outputs
    FileTime completedAt = Files.getLastModifiedTime(dir.resolve("manifest.json"));
    killMidWrite(startWriter("writer-killed-over", dir, tables, bigger), dir, "one output replaced",
        manifestRewrittenAfter(dir, completedAt));
    OutputFolderCheck afterSecondKill = OutputFolderCheck.of(dir);
    afterSecondKill.assertConsistent(spark, true);
    for (String previous : completed.manifestRows().keySet()) {
      long rows = afterSecondKill.manifestRows(previous);
      assertTrue(rows == completed.manifestRows(previous) || rows == completed.manifestRows(previous) + (bigger - smaller),
          previous + " has neither the old nor the new row count: " + rows);
    }
  }

  /**
   * A stage that writes several tables and commits the manifest once at its end (as ingest does),
   * killed after its first table was moved into place: that table must not be on disk without its
   * manifest entry. (Failed before OutputStore rewrote the manifest as each output moves into place:
   * "tables/t0 is on disk without a manifest entry".)
   */
  @Test
  void stageKilledAfterItsFirstTableLeavesNoUnrecordedOutput() throws IOException {
    SparkSession spark = TestSpark.get();
    Path dir = temp.resolve("stage-output");
    killMidWrite(startWriter("stage-killed", dir, 3, 100_000, 3), dir, "one table moved into place",
        () -> !OutputFolderCheck.of(dir).tableFoldersOnDisk().isEmpty());
    OutputFolderCheck.of(dir).assertConsistent(spark, false);
  }

  @Test
  void killedPipelineRunLeavesOnlyCompleteOutputs() throws IOException {
    assumeTrue(ItCommands.available().containsAll(List.of("synth", "run")),
        "the program has no synth and run commands yet");
    SparkSession spark = TestSpark.get();
    Path input = temp.resolve("synth-input.jsonl");
    Path dir = temp.resolve("run-output");
    ItCommands.runLocally(processes, "synth-for-kill", List.of("synth", "--trees", "1000", "--seed", "11", "--output", input.toString()),
        RUN_TIMEOUT);

    killMidWrite(ItCommands.startLocally(processes, "run-killed-fresh", List.of("run", "--input", input.toString(), "--output", dir.toString(), "--skip", "toxicity")),
        dir, "one output committed", committedAtLeast(dir, 1));
    OutputFolderCheck.of(dir).assertConsistent(spark, false);

    ItCommands.runLocally(processes, "run-complete", List.of("run", "--input", input.toString(), "--output", dir.toString(), "--skip", "toxicity"), Duration.ofSeconds(120));
    OutputFolderCheck completed = OutputFolderCheck.of(dir);
    completed.assertConsistent(spark, true);

    FileTime completedAt = Files.getLastModifiedTime(dir.resolve("manifest.json"));
    killMidWrite(ItCommands.startLocally(processes, "run-killed-over", List.of("run", "--input", input.toString(), "--output", dir.toString(), "--skip", "toxicity")),
        dir, "one output replaced", manifestRewrittenAfter(dir, completedAt));
    OutputFolderCheck afterKill = OutputFolderCheck.of(dir);
    afterKill.assertConsistent(spark, true);
    for (Map.Entry<String, Long> e : completed.manifestRows().entrySet()) {
      assertEquals(e.getValue(), afterKill.manifestRows(e.getKey()), "same input, so same rows for " + e.getKey());
    }
  }
}
