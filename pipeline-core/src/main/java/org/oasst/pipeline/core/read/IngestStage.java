package org.oasst.pipeline.core.read;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.privacy.Pseudonymizer;

/**
 * The ingest stage: reads the inputs and writes {@code tables/messages}, {@code tables/labels},
 * {@code tables/emojis} and {@code quarantine}, and the manifest sections {@code inputs},
 * {@code reconciliation} and {@code unknown_keys}.
 *
 * <p>Config keys: {@code ingest.format} (auto), {@code ingest.partitions} (0 = Spark's default
 * parallelism), {@code ingest.single_pass} (true).
 */
public final class IngestStage {
  private IngestStage() {}

  public static final String FORMAT_KEY = "ingest.format";
  public static final String PARTITIONS_KEY = "ingest.partitions";
  public static final String PSEUDONYMIZE_KEY = "ingest.pseudonymize_users";
  public static final String PSEUDONYM_KEY_FILE_KEY = "ingest.pseudonym_key_file";

  /** Whether one JSONL input is read and written in one pass ({@link SinglePassRead}). */
  public static final String SINGLE_PASS_KEY = "ingest.single_pass";

  public static ReadOptions options(PipelineConfig config) {
    return new ReadOptions(config.getString(FORMAT_KEY, "auto"), config.getInt(PARTITIONS_KEY, 0));
  }

  public static void run(SparkSession spark, OutputStore store, List<String> inputs, PipelineConfig config) {
    // The key is checked before any work starts, so a missing key fails fast and clearly.
    byte[] pseudonymKey =
        config.getBoolean(PSEUDONYMIZE_KEY, false)
            ? Pseudonymizer.loadKey(config.getString(PSEUDONYM_KEY_FILE_KEY, null), Pseudonymizer.DEFAULT_KEY_ENV)
            : null;
    ReadOptions options = options(config);
    Map<String, Object> plan = new LinkedHashMap<>();
    IngestResult result = null;
    if (config.getBoolean(SINGLE_PASS_KEY, true)) {
      result = readWhileWriting(spark, store, inputs, options, pseudonymKey, plan);
    } else {
      plan.put("read", "spread");
      plan.put("spread_because", SINGLE_PASS_KEY + " is false");
      plan.put("input_reads", 1);
    }
    boolean messagesWritten = result != null;
    if (!messagesWritten) result = OasstReader.read(spark, inputs, options);
    try {
      if (!messagesWritten) {
        store.writeTable("tables/messages", pseudonymized(result.messages(), pseudonymKey));
      }
      // Labels and emojis come from the written messages: a cheap scan of two columns instead of
      // recomputing duplicate resolution.
      Dataset<Row> written = store.read("tables/messages");
      // Side by side: each job has a handful of tasks, and one job's last task leaves a core idle
      // that the other job's tasks can use. Both start together, each with its own staging folder,
      // so the first to finish never finds the shared staging folder empty and removes it.
      alongside(
          () -> store.writeTable("tables/labels", IngestTables.labels(written)),
          () -> store.writeTable("tables/emojis", IngestTables.emojis(written)));
      store.writeTable("quarantine", result.quarantine());
      store.recordSection("inputs", result.inputs());
      store.recordSection("reconciliation", result.reconciliation());
      store.recordSection("unknown_keys", result.unknownKeys());
      store.recordSection("read_plan", plan);
      store.commitManifest();
    } finally {
      result.release();
    }
  }

  /**
   * The single pass ({@link SinglePassRead}): reads the input while {@code tables/messages} is written,
   * and returns the rest of what was read; null, with nothing written, when the input needs the spread
   * read. {@code plan} receives which read it was, and why not the single pass.
   */
  private static IngestResult readWhileWriting(
      SparkSession spark,
      OutputStore store,
      List<String> inputs,
      ReadOptions options,
      byte[] pseudonymKey,
      Map<String, Object> plan) {
    SinglePassRead single = SinglePassRead.plan(spark, inputs, options);
    IngestResult result = null;
    if (single.applies()) {
      store.writeTableIf("tables/messages", pseudonymized(single.messages(), pseudonymKey), single::complete);
      result = single.result();
    }
    plan.put("read", result != null ? "single_pass" : "spread");
    if (result == null) plan.put("spread_because", single.spreadBecause());
    // the spread read that follows a single pass that fell short reads the input a second time
    plan.put("input_reads", result == null && single.applies() ? 2 : 1);
    return result;
  }

  /** Pseudonymized here, before anything is written, so that every later output sees only pseudonyms. */
  private static Dataset<Row> pseudonymized(Dataset<Row> messages, byte[] pseudonymKey) {
    return pseudonymKey == null ? messages : Pseudonymizer.apply(messages, pseudonymKey);
  }

  /** Runs {@code first} on this thread and {@code second} on another; the first failure is rethrown. */
  private static void alongside(Runnable first, Runnable second) {
    ExecutorService other = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ingest-write");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<?> pending = other.submit(second);
      RuntimeException failed = null;
      try {
        first.run();
      } catch (RuntimeException e) {
        failed = e;
      }
      try {
        pending.get();
      } catch (ExecutionException e) {
        if (failed == null) {
          if (e.getCause() instanceof RuntimeException re) failed = re;
          else if (e.getCause() instanceof Error err) throw err;
          else failed = new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (failed == null) failed = new IllegalStateException("interrupted while writing", e);
      }
      if (failed != null) throw failed;
    } finally {
      other.shutdownNow();
    }
  }
}
