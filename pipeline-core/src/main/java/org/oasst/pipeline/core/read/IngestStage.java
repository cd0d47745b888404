package org.oasst.pipeline.core.read;

import java.util.List;
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
 * parallelism).
 */
public final class IngestStage {
  private IngestStage() {}

  public static final String FORMAT_KEY = "ingest.format";
  public static final String PARTITIONS_KEY = "ingest.partitions";
  public static final String PSEUDONYMIZE_KEY = "ingest.pseudonymize_users";
  public static final String PSEUDONYM_KEY_FILE_KEY = "ingest.pseudonym_key_file";

  public static ReadOptions options(PipelineConfig config) {
    return new ReadOptions(config.getString(FORMAT_KEY, "auto"), config.getInt(PARTITIONS_KEY, 0));
  }

  public static void run(SparkSession spark, OutputStore store, List<String> inputs, PipelineConfig config) {
    // The key is checked before any work starts, so a missing key fails fast and clearly.
    byte[] pseudonymKey =
        config.getBoolean(PSEUDONYMIZE_KEY, false)
            ? Pseudonymizer.loadKey(config.getString(PSEUDONYM_KEY_FILE_KEY, null), Pseudonymizer.DEFAULT_KEY_ENV)
            : null;
    IngestResult result = OasstReader.read(spark, inputs, options(config));
    try {
      Dataset<Row> messages = result.messages();
      // Pseudonymized here, before anything is written, so that every later output sees only pseudonyms.
      if (pseudonymKey != null) messages = Pseudonymizer.apply(messages, pseudonymKey);
      store.writeTable("tables/messages", messages);
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
      store.commitManifest();
    } finally {
      result.release();
    }
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
