package org.oasst.pipeline.core.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One output folder and its {@code manifest.json}. Every write goes to a staging folder under
 * {@code DIR/_staging/} first and is moved into place only once it is complete, so a run that fails
 * or is killed leaves either the previous complete output or none, never a partial one that looks
 * finished. The store works on any Hadoop file system, so the same code writes to a local disk or to
 * a cluster's storage.
 */
public final class OutputStore {
  public static final String MANIFEST = "manifest.json";
  private static final String STAGING = "_staging";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final SparkSession spark;
  private final Path root;
  private final FileSystem fs;
  private final String runId = UUID.randomUUID().toString();
  private final Map<String, Object> manifest;

  public OutputStore(SparkSession spark, String outputDir) {
    this.spark = spark;
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    try {
      Path dir = new Path(outputDir);
      this.fs = dir.getFileSystem(hadoop);
      this.root = fs.makeQualified(dir);
      this.manifest = readManifest();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open output folder " + outputDir, e);
    }
  }

  public SparkSession spark() {
    return spark;
  }

  /** The output folder itself (URI string). */
  public String root() {
    return root.toString();
  }

  /** The full path (URI string) of {@code DIR/relPath}. */
  public String path(String relPath) {
    return new Path(root, relPath).toString();
  }

  public boolean exists(String relPath) {
    try {
      return fs.exists(new Path(root, relPath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Parquet table written earlier, by this run or a previous one. */
  public Dataset<Row> read(String relPath) {
    if (!exists(relPath)) {
      throw new MissingOutputException(
          "no " + relPath + " under " + root + ": run the stage that produces it first");
    }
    return spark.read().parquet(path(relPath));
  }

  /** Writes a Parquet table atomically and records its rows, schema and fingerprint. */
  public OutputInfo writeTable(String relPath, Dataset<Row> df) {
    return writeTableIf(relPath, df, () -> true);
  }

  /**
   * As {@link #writeTable}, for a write whose worth is known only when it is done: if {@code keep}
   * then says false, the written files are discarded, whatever was at {@code relPath} stays, and the
   * result is null.
   */
  public OutputInfo writeTableIf(String relPath, Dataset<Row> df, BooleanSupplier keep) {
    return writeAtomically(
        relPath,
        staging -> {
          // names the Spark jobs after the output, in the UI and the event log (a thread's setting)
          String description = spark.sparkContext().getLocalProperty("spark.job.description");
          spark.sparkContext().setJobDescription("write " + relPath);
          try {
            Fingerprint.Result fp = writeFingerprinted(df, staging);
            return new OutputInfo(relPath, fp.rows(), df.schema().simpleString(), fp.fingerprint());
          } finally {
            spark.sparkContext().setJobDescription(description);
          }
        },
        written -> keep.getAsBoolean(),
        this::recordOutput);
  }

  /**
   * Writes {@code df} to {@code staging} and returns the fingerprint of what was written, computed by
   * the write job itself (an observation): neither a second pass over the files nor a re-run of the
   * plan. Should the observed metrics not arrive, the written files are read back instead.
   */
  private Fingerprint.Result writeFingerprinted(Dataset<Row> df, String staging) {
    String observation = "fingerprint-" + UUID.randomUUID();
    Row observed;
    try (ObservedMetrics metrics = new ObservedMetrics(spark, observation)) {
      Fingerprint.observing(df, observation).write().mode(SaveMode.ErrorIfExists).parquet(staging);
      observed = metrics.await(OBSERVED_METRICS_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      observed = null;
    }
    if (observed != null) return Fingerprint.result(observed);
    // The schema is known: reading back with it skips Spark's schema-discovery job.
    return Fingerprint.of(spark.read().schema(df.schema()).parquet(staging));
  }

  /** Spark posts the observed metrics right after the job; this only bounds a lost event. */
  private static final long OBSERVED_METRICS_WAIT_MILLIS = 60_000;

  /** As {@link #writeTable}, plus a single-file CSV copy at {@code DIR/relPath.csv} for spreadsheets. */
  public OutputInfo writeTableWithCsv(String relPath, Dataset<Row> df) {
    return writeTableWithCsv(relPath, df, UnaryOperator.identity());
  }

  /**
   * As {@link #writeTableWithCsv(String, Dataset)}, with a CSV copy of {@code csvRows} applied to the
   * written table (for a table too large for a spreadsheet: its first rows, in order).
   */
  public OutputInfo writeTableWithCsv(
      String relPath, Dataset<Row> df, UnaryOperator<Dataset<Row>> csvRows) {
    OutputInfo info = writeTable(relPath, df);
    Dataset<Row> written = csvRows.apply(spark.read().schema(df.schema()).parquet(path(relPath)));
    writeAtomically(
        relPath + ".csv",
        staging -> {
          String parts = staging + ".parts";
          flattenForCsv(written)
              .coalesce(1)
              .write()
              .option("header", "true")
              .option("escape", "\"")
              .csv(parts);
          moveSinglePart(new Path(parts), new Path(staging), ".csv");
          return null;
        });
    return info;
  }

  /** A small text file (a dataset card, a metadata document), written atomically. */
  public void writeText(String relPath, String content) {
    writeAtomically(
        relPath,
        staging -> {
          writeFile(staging, content);
          return null;
        });
  }

  /**
   * Writes {@code content} to {@code path} as it is, not atomically: for a writer given a staging
   * path by {@link #writeAtomically}.
   */
  public void writeFile(String path, String content) {
    try (OutputStream out = fs.create(new Path(path), false)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  public String readText(String relPath) {
    try (InputStream in = fs.open(new Path(root, relPath))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Lets {@code writer} fill a staging path (a file or a folder, its choice) and moves the result to
   * {@code DIR/relPath}, replacing what was there, only if the writer returned normally.
   */
  public <T> T writeAtomically(String relPath, Function<String, T> writer) {
    return writeAtomically(relPath, writer, result -> true, null);
  }

  /**
   * As above, but what the writer made is moved into place only if {@code keep} accepts its result
   * (else it is removed with the staging folder, and the result is null). {@code onCommitted} runs
   * right after the move, and the manifest is rewritten then, so
   * that a run killed at any point leaves a manifest that lists exactly the complete outputs (only the
   * moment between the move and the manifest write can leave a listed output with its older entry).
   */
  private <T> T writeAtomically(
      String relPath,
      Function<String, T> writer,
      Predicate<T> keep,
      java.util.function.Consumer<T> onCommitted) {
    Path target = new Path(root, relPath);
    // One staging folder per write, so that concurrent or nested writes never clean up each other's.
    Path writeDir = new Path(root, STAGING + "/" + runId + "-" + UUID.randomUUID());
    Path staging = new Path(writeDir, relPath);
    try {
      fs.mkdirs(staging.getParent());
      T result = writer.apply(staging.toString());
      if (!keep.test(result)) return null;
      replace(staging, target);
      if (onCommitted != null) {
        onCommitted.accept(result);
        commitManifest();
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      cleanStaging(writeDir);
    }
  }

  /** A top-level manifest section (inputs, reconciliation, findings...). */
  public synchronized void recordSection(String key, Object jsonable) {
    manifest.put(key, JSON.convertValue(jsonable, Object.class));
  }

  public synchronized Object section(String key) {
    return manifest.get(key);
  }

  /** Every output recorded so far, by relative path. */
  @SuppressWarnings("unchecked")
  public synchronized Map<String, Map<String, Object>> outputs() {
    Object o = manifest.get("outputs");
    return o instanceof Map ? (Map<String, Map<String, Object>>) o : new TreeMap<>();
  }

  /** Writes {@code manifest.json} (atomically) with everything recorded so far. */
  public synchronized void commitManifest() {
    try {
      String text = JSON.writeValueAsString(manifest);
      writeText(MANIFEST, text + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void recordOutput(OutputInfo info) {
    Map<String, Map<String, Object>> outputs = new TreeMap<>(outputs());
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("path", info.path());
    entry.put("rows", info.rows());
    entry.put("schema", info.schema());
    entry.put("fingerprint", info.fingerprint());
    outputs.put(info.path(), entry);
    manifest.put("outputs", outputs);
  }

  private Map<String, Object> readManifest() throws IOException {
    Path file = new Path(root, MANIFEST);
    if (!fs.exists(file)) return new LinkedHashMap<>();
    try (InputStream in = fs.open(file)) {
      return JSON.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new IOException("the existing " + file + " is not a readable manifest: " + e.getMessage(), e);
    }
  }

  private void replace(Path staging, Path target) throws IOException {
    fs.mkdirs(target.getParent());
    Path old = null;
    if (fs.exists(target)) {
      old = new Path(staging.getParent(), staging.getName() + ".replaced-" + UUID.randomUUID());
      if (!fs.rename(target, old)) throw new IOException("cannot move aside " + target);
    }
    if (!fs.rename(staging, target)) {
      if (old != null) fs.rename(old, target);
      throw new IOException("cannot move " + staging + " into place at " + target);
    }
    if (old != null) fs.delete(old, true);
  }

  private void cleanStaging(Path writeDir) {
    try {
      fs.delete(writeDir, true);
      Path all = new Path(root, STAGING);
      FileStatus[] left = fs.exists(all) ? fs.listStatus(all) : new FileStatus[0];
      // Not recursive: a concurrent write may have just made its own folder in there.
      if (left.length == 0) fs.delete(all, false);
    } catch (IOException ignored) {
      // Staging leftovers never look like outputs; the next run of the same stage replaces them.
    }
  }

  private void moveSinglePart(Path partsDir, Path file, String suffix) {
    try {
      List<Path> parts = new ArrayList<>();
      for (FileStatus st : fs.listStatus(partsDir)) {
        if (st.getPath().getName().startsWith("part-")) parts.add(st.getPath());
      }
      if (parts.size() != 1) throw new IOException("expected one " + suffix + " part in " + partsDir + ", found " + parts.size());
      if (!fs.rename(parts.get(0), file)) throw new IOException("cannot move " + parts.get(0));
      fs.delete(partsDir, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** CSV has no nested types: maps, arrays and structs are written as JSON text. */
  static Dataset<Row> flattenForCsv(Dataset<Row> df) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      Column c = col("`" + f.name() + "`");
      boolean nested =
          f.dataType() instanceof MapType
              || f.dataType() instanceof ArrayType
              || f.dataType() instanceof StructType;
      cols.add(nested ? to_json(c).as(f.name()) : c);
    }
    return df.select(cols.toArray(new Column[0]));
  }
}
