package org.oasst.pipeline.jobs.commands;

import java.util.List;
import java.util.Map;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.IngestStage;
import org.oasst.pipeline.core.trees.TreesStage;
import org.oasst.pipeline.datasets.DatasetStage;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.quality.QualityStage;
import org.oasst.pipeline.quality.composition.CompositionStage;
import org.oasst.pipeline.toxicity.ToxicityStage;

/**
 * The pipeline's stages as the commands run them: each one timed, reported in one line, and followed
 * by a manifest commit, so that a run stopped after any stage leaves a manifest that describes
 * exactly the outputs that exist.
 */
final class Stages {
  private Stages() {}

  static void ingest(JobContext c, OutputStore store, List<String> inputs) {
    c.stage("ingest", () -> IngestStage.run(c.spark(), store, inputs, c.config()));
    c.err().println("[ingest] " + rows(store, "tables/messages", "messages") + ", "
        + rows(store, "tables/labels", "label rows") + ", " + rows(store, "quarantine", "quarantined records"));
    c.err().println("[ingest] " + readPlan(store));
    commit(c, store);
  }

  /** Which read made the tables, from the manifest's read_plan: a second read is worth a word. */
  private static String readPlan(OutputStore store) {
    if (!(store.section("read_plan") instanceof Map<?, ?> plan)) return "read plan not recorded";
    if ("single_pass".equals(plan.get("read"))) return "input read once and written in the same pass";
    String times = Integer.valueOf(2).equals(plan.get("input_reads")) ? "twice" : "once";
    return "input read " + times + ", with a shuffle for duplicate resolution: " + plan.get("spread_because");
  }

  static void trees(JobContext c, OutputStore store) {
    c.stage("trees", () -> TreesStage.run(c.spark(), store, c.config()));
    c.stage("composition", () -> CompositionStage.run(c.spark(), store, c.config()));
    c.err().println("[trees] " + rows(store, "tables/trees", "trees") + ", "
        + rows(store, "tables/integrity", "integrity findings"));
    commit(c, store);
  }

  static void analyze(JobContext c, OutputStore store) {
    c.stage("analyze", () -> QualityStage.run(c.spark(), store, c.config()));
    c.err().println("[analyze] " + countUnder(store, "analysis/") + " analysis tables");
    commit(c, store);
  }

  static void toxicity(JobContext c, OutputStore store) {
    c.stage("toxicity", () -> ToxicityStage.run(c.spark(), store, c.config()));
    c.err().println("[toxicity] " + countUnder(store, "toxicity/") + " toxicity tables");
    commit(c, store);
  }

  static void build(JobContext c, OutputStore store) {
    c.stage("build", () -> DatasetStage.run(c.spark(), store, c.config()));
    StringBuilder sb = new StringBuilder();
    store.outputs().forEach((path, entry) -> {
      if (path.startsWith("datasets/")) sb.append(sb.length() == 0 ? "" : ", ").append(path.substring(9)).append(' ').append(entry.get("rows"));
    });
    c.err().println("[build] " + (sb.length() == 0 ? "no datasets" : sb));
    commit(c, store);
  }

  private static void commit(JobContext c, OutputStore store) {
    @SuppressWarnings("unchecked")
    Map<String, Object> previous = store.section("stage_seconds") instanceof Map
        ? new java.util.TreeMap<>((Map<String, Object>) store.section("stage_seconds"))
        : new java.util.TreeMap<>();
    previous.putAll(c.stageTimes());
    store.recordSection("stage_seconds", previous);
    store.commitManifest();
  }

  static String rows(OutputStore store, String path, String what) {
    Map<String, Object> entry = store.outputs().get(path);
    return String.format("%,d %s", entry == null ? 0L : ((Number) entry.get("rows")).longValue(), what);
  }

  private static long countUnder(OutputStore store, String prefix) {
    return store.outputs().keySet().stream().filter(p -> p.startsWith(prefix)).count();
  }
}
