package org.oasst.pipeline.jobs.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.Versions;

/**
 * What a command needs around its work: the streams it reports on, the configuration (file plus
 * {@code --set} overrides), a lazily created SparkSession, and the per-stage progress lines.
 */
public final class JobContext implements AutoCloseable {
  private final PrintStream out;
  private final PrintStream err;
  private PipelineConfig config = PipelineConfig.defaults();
  private SparkSession spark;
  private boolean ownsSpark;
  private final Map<String, Object> stageTimes = new LinkedHashMap<>();
  private final long started = System.nanoTime();

  public JobContext(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public PrintStream out() {
    return out;
  }

  public PrintStream err() {
    return err;
  }

  public PipelineConfig config() {
    return config;
  }

  public void setConfig(PipelineConfig config) {
    this.config = config;
  }

  /**
   * The SparkSession, created on first use. The master is only defaulted when nobody set one, so
   * that {@code spark-submit --master ...} decides on a cluster and a plain {@code java -jar} runs
   * locally on every core.
   */
  public synchronized SparkSession spark() {
    if (spark == null) {
      // A session that exists already (an embedding application, the tests) is borrowed, not owned.
      ownsSpark = SparkSession.getDefaultSession().isEmpty();
      SparkConf conf = new SparkConf();
      conf.setIfMissing("spark.master", "local[*]");
      conf.setIfMissing("spark.app.name", "oasst-pipeline");
      conf.setIfMissing("spark.sql.session.timeZone", "UTC");
      conf.setIfMissing("spark.ui.showConsoleProgress", "true");
      conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(defaultShufflePartitions(conf)));
      // The stages join message-sized tables with each other (structure, parents, examples): once a
      // shuffle shows every partition of one side small, a hash join skips the sorts of a sort-merge
      // join. At 1M messages this took the trees stage from ~74 s to ~59 s; the bound keeps each
      // hash table small, so larger inputs fall back to sort-merge joins rather than to memory trouble.
      conf.setIfMissing("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", SHUFFLED_HASH_JOIN_PARTITION_LIMIT);
      for (Map.Entry<String, String> e : sparkConfFile().entrySet()) conf.setIfMissing(e.getKey(), e.getValue());
      spark = SparkSession.builder().config(conf).getOrCreate();
    }
    return spark;
  }

  private static final String SHUFFLED_HASH_JOIN_PARTITION_LIMIT = "64m";

  /** Local runs need few shuffle partitions: Spark's 200 cost more in task overhead than they spread. */
  private static int defaultShufflePartitions(SparkConf conf) {
    String master = conf.get("spark.master", "");
    if (master.startsWith("local")) return Math.max(4, Runtime.getRuntime().availableProcessors() * 4);
    return 200;
  }

  /** Settings from {@code OASST_SPARK_CONF} (a spark-defaults style file), for local runs. */
  private Map<String, String> sparkConfFile() {
    Map<String, String> settings = new LinkedHashMap<>();
    String file = System.getenv("OASST_SPARK_CONF");
    if (file == null || file.isBlank()) return settings;
    Path path = Paths.get(file);
    if (!Files.isRegularFile(path)) throw new UsageException("OASST_SPARK_CONF names no file: " + file);
    try {
      for (String line : Files.readAllLines(path)) {
        String t = line.trim();
        if (t.isEmpty() || t.startsWith("#")) continue;
        String[] kv = t.split("\\s+", 2);
        if (kv.length == 2) settings.put(kv[0], kv[1].trim());
      }
    } catch (java.io.IOException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
    return settings;
  }

  public OutputStore store(String outputDir) {
    OutputStore store = new OutputStore(spark(), outputDir);
    store.recordSection("product", Map.of("name", "oasst-pipeline", "version", Versions.product()));
    store.recordSection("versions", Versions.all(spark()));
    store.recordSection("config", config.asMap());
    return store;
  }

  /** Runs one stage and prints a line with its elapsed time and what it reports. */
  public <T> T stage(String name, Supplier<T> work, java.util.function.Function<T, String> summary) {
    err.printf("[%s] started%n", name);
    long t0 = System.nanoTime();
    T result = work.get();
    double seconds = (System.nanoTime() - t0) / 1e9;
    stageTimes.put(name, Math.round(seconds * 10) / 10.0);
    String what = summary == null ? "" : summary.apply(result);
    err.printf("[%s] done in %.1f s%s%n", name, seconds, what == null || what.isEmpty() ? "" : ": " + what);
    return result;
  }

  public void stage(String name, Runnable work) {
    stage(
        name,
        () -> {
          work.run();
          return null;
        },
        null);
  }

  public Map<String, Object> stageTimes() {
    return stageTimes;
  }

  public double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  public static List<String> splitCsv(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) for (String s : v.split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }

  @Override
  public void close() {
    if (spark != null && ownsSpark) spark.stop();
  }
}
