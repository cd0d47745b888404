package org.oasst.pipeline.quality;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.quality.acceptance.AcceptanceAudit;
import org.oasst.pipeline.quality.contributors.ContributorStats;
import org.oasst.pipeline.quality.contributors.ContributorTables;
import org.oasst.pipeline.quality.labels.LabelCorrelation;
import org.oasst.pipeline.quality.labels.LabelPassResult;
import org.oasst.pipeline.quality.labels.LabelStats;
import org.oasst.pipeline.quality.languages.LanguageStats;
import org.oasst.pipeline.quality.leaderboard.Leaderboard;
import org.oasst.pipeline.quality.ranking.RankStats;

/**
 * The {@code analyze} stage: keeps only the columns the analyses use (the text is never read), with
 * the few label and emoji values they read taken out of the maps, caches that projection and writes
 * every analysis under {@code analysis/}. The label statistics and correlations, which need every
 * label, read the labels map from the Parquet table instead of the cache: with the maps the cache was
 * three times larger (1M messages: 830 MB against 255 MB), which at 10M messages no longer fits a
 * 6 GiB heap and spilled to disk.
 */
public final class QualityStage {
  private QualityStage() {}

  /** Columns every analysis together needs; the label and emoji maps come from the messages table. */
  public static final List<String> USED_COLUMNS =
      List.of("message_id", "parent_id", "tree_state", "user_id", "created_date", "role", "lang",
          "review_count", "review_result", "deleted", "rank", "emojis", "labels");

  /** The used columns cached as they are (the maps are not: see {@link #project}). */
  static final List<String> PLAIN_COLUMNS =
      USED_COLUMNS.stream().filter(c -> !c.equals("emojis") && !c.equals("labels")).toList();

  /** Every option of this stage with its default. */
  public static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("analysis.languages.top_n", 10);
    d.put("analysis.contributors.lorenz_points", 100);
    d.put("analysis.labels.histogram_bins", 10);
    d.put("analysis.labels.max_exact_values", 1000);
    d.put("analysis.labels.coarse_grid", 100);
    d.put("analysis.acceptance.min_reviews", 3);
    d.put("analysis.acceptance.threshold", 0.6);
    d.put("analysis.leaderboard.reference_time", "");
    d.put("analysis.leaderboard.month_days", 30);
    d.put("analysis.write_threads", 3);
    d.put("analysis.csv_max_position", 10_000);
    return d;
  }

  public static void run(SparkSession spark, OutputStore store, PipelineConfig config) {
    int threads = config.getInt("analysis.write_threads", 3);
    if (threads < 1) throw new IllegalArgumentException("analysis.write_threads must be >= 1: " + threads);
    Dataset<Row> messages = store.read("tables/messages");
    long passStart = System.nanoTime();
    MessagePass.Result pass = MessagePass.run(spark, messages);
    long passMillis = (System.nanoTime() - passStart) / 1_000_000;
    try {
      // The tables are written while quality.meta.json, written last, is still being staged: the
      // store removes its shared staging folder when it finds it empty, and this open write keeps
      // it from being empty while several table writes run at once.
      store.writeAtomically("analysis/quality.meta.json", staging -> {
        Map<String, Object> meta;
        try (Writes writes = new Writes(store, threads)) {
          writes.record("message_pass", passMillis);
          meta = analyze(spark, messages, pass, config, store, writes);
        }
        store.recordSection("analysis", meta);
        store.writeFile(staging, toJson(meta));
        return null;
      });
    } finally {
      pass.projected().unpersist();
    }
  }

  private static final String CACHE_COMPRESSION = "spark.sql.inMemoryColumnarStorage.compressed";

  /**
   * {@code df} persisted without Spark's columnar compression: choosing and applying an encoding per
   * column and batch took about half of the cache fill's CPU (1M messages: 7.6 s compressed, 4.3 s
   * not, for 255 MB instead of 170 MB), and every analysis reads the cache a few times only. The
   * setting is taken when the cache is defined, so the session's own value is restored right after.
   */
  static Dataset<Row> uncompressedCache(SparkSession spark, Dataset<Row> df) {
    String before = spark.conf().get(CACHE_COMPRESSION, "true");
    spark.conf().set(CACHE_COMPRESSION, "false");
    try {
      return df.persist(StorageLevel.MEMORY_AND_DISK());
    } finally {
      spark.conf().set(CACHE_COMPRESSION, before);
    }
  }

  /**
   * The table writes of one run. Each output costs the store a few small Spark jobs (the write, which
   * also computes the fingerprint, then a read-back for the CSV copy) whose time is mostly fixed per
   * job, not per row; running a few at once overlaps that latency with each other and with the next
   * analysis's aggregation.
   */
  private static final class Writes implements AutoCloseable {
    private final OutputStore store;
    private final Map<String, Long> timings = new LinkedHashMap<>();
    private final java.util.concurrent.ExecutorService pool;
    private final List<java.util.concurrent.Future<?>> pending = new ArrayList<>();

    Writes(OutputStore store, int threads) {
      this.store = store;
      this.pool = threads == 1 ? null : java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "analyze-write");
        t.setDaemon(true);
        return t;
      });
    }

    void write(String relPath, Dataset<Row> df) {
      write(relPath, df, UnaryOperator.identity());
    }

    /** As {@link #write(String, Dataset)}, with a CSV copy of {@code csvRows} of the written table. */
    void write(String relPath, Dataset<Row> df, UnaryOperator<Dataset<Row>> csvRows) {
      String key = relPath.substring(relPath.indexOf('/') + 1);
      synchronized (timings) {
        timings.put(key, null); // keeps the keys in the order the outputs were started
      }
      Runnable job = () -> {
        long start = System.nanoTime();
        store.writeTableWithCsv(relPath, df, csvRows);
        synchronized (timings) {
          timings.put(key, (System.nanoTime() - start) / 1_000_000);
        }
      };
      if (pool == null) job.run();
      else pending.add(pool.submit(job));
    }

    void record(String key, long millis) {
      synchronized (timings) {
        timings.put(key, millis);
      }
    }

    void time(String key, long startNanos) {
      synchronized (timings) {
        timings.put(key, (System.nanoTime() - startNanos) / 1_000_000);
      }
    }

    /** Waits for every started write; the first failure is rethrown. */
    Map<String, Long> awaitAll() {
      for (java.util.concurrent.Future<?> f : pending) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while writing the analysis tables", e);
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException re) throw re;
          if (cause instanceof Error err) throw err;
          throw new IllegalStateException(cause);
        }
      }
      pending.clear();
      synchronized (timings) {
        return new LinkedHashMap<>(timings);
      }
    }

    @Override
    public void close() {
      if (pool != null) pool.shutdownNow();
    }
  }

  /**
   * The used columns without the label and emoji maps: whether the raw events and the labels were
   * present, and the values the acceptance audit and the boards read out of the maps as plain
   * columns ({@link AcceptanceAudit#labelColumns}, {@link Leaderboard#mapColumns}).
   */
  public static Dataset<Row> project(Dataset<Row> messages) {
    List<Column> cols = new ArrayList<>();
    for (String c : PLAIN_COLUMNS) cols.add(col(c));
    cols.add(col("events").isNotNull().as("has_events"));
    cols.add(col("labels").isNotNull().as("has_labels"));
    cols.addAll(AcceptanceAudit.labelColumns());
    cols.addAll(Leaderboard.mapColumns());
    return messages.select(cols.toArray(Column[]::new));
  }

  /**
   * {@code messages}: the Parquet table (read again only where the single pass gave a part up);
   * {@code pass}: its cached projection and the figures tallied while it was read.
   */
  private static Map<String, Object> analyze(
      SparkSession spark, Dataset<Row> messages, MessagePass.Result pass, PipelineConfig config,
      OutputStore store, Writes writes) {
    Dataset<Row> m = pass.projected();
    MessagePass.Facts facts = pass.facts();
    Map<String, Object> meta = new LinkedHashMap<>();
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("messages", facts.messages());
    input.put("messages_without_user_id", facts.withoutUserId());
    input.put("messages_without_created_date", facts.withoutCreatedDate());
    input.put("messages_with_events", facts.withEvents());
    input.put("messages_with_labels", facts.withLabels());
    input.put("first_created_date", instantOf(facts.firstCreatedMicros()));
    input.put("last_created_date", instantOf(facts.lastCreatedMicros()));
    meta.put("input", input);
    // How the single pass read the table (see MessagePass.read): a slow analyze reading "rows" was
    // not given a plain Parquet table or has the vectorized reader turned off.
    meta.put("message_pass_read", pass.columnar() ? "column_batches" : "rows");
    meta.put("config", effectiveConfig(config));

    // 1. Languages
    writes.write("analysis/languages",
        LanguageStats.table(spark, pass.languages(), config.getInt("analysis.languages.top_n", 10)));

    // 2. Contributors
    // Per user and language (2.2M rows at 10M synthetic messages) is read twice: by the frequency
    // table and by the contributors table's write.
    Dataset<Row> perUserAndLanguage =
        ContributorStats.perUserAndLanguage(m).persist(StorageLevel.MEMORY_AND_DISK());
    ContributorTables.Tables contributors =
        ContributorTables.compute(perUserAndLanguage,
            config.getInt("analysis.contributors.lorenz_points", 100));
    int csvMaxPosition = config.getInt("analysis.csv_max_position", 10_000);
    UnaryOperator<Dataset<Row>> perUserCsv = topPositions(csvMaxPosition);
    writes.write("analysis/contributors", contributors.contributors(spark), perUserCsv);
    writes.write("analysis/contributor_summary", contributors.summary(spark));
    writes.write("analysis/contributor_lorenz", contributors.lorenz(spark));
    Map<String, Object> contributorsMeta = new LinkedHashMap<>();
    contributorsMeta.put("unavailable_kinds", ContributorStats.UNAVAILABLE_KINDS);
    contributorsMeta.put("why_unavailable",
        "exports carry label means and ranks but not who labelled or ranked (events are "
            + (facts.withEvents() == 0 ? "null in this input" : "present but not read") + ")");
    contributorsMeta.put("anonymous_messages", facts.withoutUserId());
    meta.put("contributors", contributorsMeta);

    // 3. Labels (tallied by the single pass, every label and scope at once), 5. label means by rank
    // come with them
    int bins = config.getInt("analysis.labels.histogram_bins", 10);
    if (bins < 1) throw new IllegalArgumentException("analysis.labels.histogram_bins must be >= 1");
    long labelStart = System.nanoTime();
    LabelPassResult tallied = pass.labels();
    List<Row> frequencies = tallied.frequencyRows();
    LabelStats.Collected labelAgg =
        frequencies != null && frequencies.size() <= LabelStats.MAX_FREQUENCY_ROWS
            ? LabelStats.fromFrequencies(frequencies, bins)
            : LabelStats.compute(messages, bins);
    writes.time("label_aggregate", labelStart);
    Dataset<Row> labelStats = LabelStats.stats(spark, labelAgg);
    writes.write("analysis/label_stats", labelStats);
    writes.write("analysis/label_histogram", LabelStats.histogram(spark, labelAgg));
    writes.write("analysis/label_mean_by_rank", LabelStats.meanByRank(spark, labelAgg));
    List<String> names = LabelStats.names(labelAgg);
    int maxExact = config.getInt("analysis.labels.max_exact_values", 1000);
    int coarseGrid = config.getInt("analysis.labels.coarse_grid", 100);
    Map<String, Boolean> coarse = new HashMap<>();
    LabelStats.distinctValues(labelAgg).forEach((name, distinct) -> coarse.put(name, distinct > maxExact));
    long correlationStart = System.nanoTime();
    List<Row> correlation = coarse.containsValue(true) ? null : tallied.correlationRows();
    writes.write("analysis/label_correlation", correlation != null
        ? spark.createDataFrame(correlation, LabelCorrelation.SCHEMA)
        : LabelCorrelation.matrix(messages, names, coarse, coarseGrid));
    writes.time("label_correlation_tables", correlationStart);
    meta.put("labels", Map.of("names", names));

    // 4. Acceptance audit
    // Not cached: recomputing the audit from the cached projection for each of the two outputs is
    // cheaper than building a second cache of the audited rows (their message ids).
    Dataset<Row> audited =
        AcceptanceAudit.perMessage(m, config.getInt("analysis.acceptance.min_reviews", 3),
            config.getDouble("analysis.acceptance.threshold", 0.6));
    writes.write("analysis/acceptance_audit", AcceptanceAudit.summary(audited));
    writes.write("analysis/acceptance_disagreements", AcceptanceAudit.disagreements(audited));

    // 5. Ranks
    Dataset<Row> perParent = RankStats.perParent(m).persist(StorageLevel.MEMORY_AND_DISK());
    writes.write("analysis/rank_summary", local(spark, RankStats.summary(perParent)));
    writes.write("analysis/rank_siblings", RankStats.siblingDistribution(perParent));
    perParent.unpersist();

    // 6. Leaderboard and trollboard
    Instant reference = referenceTime(config, facts);
    int monthDays = config.getInt("analysis.leaderboard.month_days", 30);
    // One row per user and time frame, aggregated once for both boards and kept on the executors
    // (at 10M synthetic messages 951k rows: too many for the driver).
    Dataset<Row> perUser =
        Leaderboard.perUser(m, reference, monthDays).persist(StorageLevel.MEMORY_AND_DISK());
    writes.write("analysis/leaderboard", Leaderboard.leaderboard(perUser), perUserCsv);
    writes.write("analysis/trollboard", Leaderboard.trollboard(perUser), perUserCsv);
    Map<String, Object> csv = new LinkedHashMap<>();
    csv.put("max_position", csvMaxPosition > 0 ? csvMaxPosition : null);
    csv.put("cut_tables", csvMaxPosition > 0 ? List.of("contributors", "leaderboard", "trollboard") : List.of());
    csv.put("note", csvMaxPosition > 0
        ? "the CSV copies of the tables with a row per user hold positions 1.." + csvMaxPosition
            + " (of each time frame for the boards); their Parquet tables hold every user"
        : "every CSV copy holds its whole table");
    meta.put("csv_copies", csv);
    Map<String, Object> boardMeta =
        leaderboardMeta(reference, monthDays, facts.withoutCreatedDate(), facts.withoutUserId(), names);
    store.writeText("analysis/leaderboard.meta.json", toJson(boardMeta));
    meta.put("leaderboard", boardMeta);
    // Wall time per output, including the computation it triggered (upstream caches fill on first use).
    // Waits for the writes (they still read the cached tables).
    meta.put("timings_ms", writes.awaitAll());
    perUser.unpersist();
    perUserAndLanguage.unpersist();
    return meta;
  }

  /**
   * The CSV copy of a table with a row per user: its positions 1..{@code max} (of each time frame,
   * frames in the order of {@link Leaderboard#TIME_FRAMES}), in order. At 10M synthetic messages
   * those tables have 0.8-1M rows, and whole CSV copies of them were 58-82 MB each, written by one
   * task; the Parquet table keeps every user. {@code max} <= 0: the whole table.
   */
  static UnaryOperator<Dataset<Row>> topPositions(int max) {
    if (max <= 0) return UnaryOperator.identity();
    return table -> {
      Dataset<Row> top = table.filter(col("position").leq(max)).repartition(1);
      if (!List.of(table.columns()).contains("time_frame"))
        return top.sortWithinPartitions(col("position"));
      Column[] frames = Leaderboard.TIME_FRAMES.stream().map(functions::lit).toArray(Column[]::new);
      return top.sortWithinPartitions(
          functions.array_position(functions.array(frames), col("time_frame")), col("position"));
    };
  }

  /** A small result computed once and held on the driver, so writing it re-runs nothing. */
  private static Dataset<Row> local(SparkSession spark, Dataset<Row> small) {
    return spark.createDataFrame(small.collectAsList(), small.schema());
  }

  private static Instant referenceTime(PipelineConfig config, MessagePass.Facts facts) {
    String configured = config.getString("analysis.leaderboard.reference_time", "");
    if (configured != null && !configured.isBlank()) {
      try {
        return Instant.parse(configured);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "analysis.leaderboard.reference_time must be an ISO-8601 instant such as "
                + "2023-04-12T00:00:00Z: " + configured, e);
      }
    }
    return toInstant(facts.lastCreatedMicros());
  }

  private static Instant toInstant(Long micros) {
    return micros == null ? null : Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
  }

  private static String instantOf(Long micros) {
    return micros == null ? null : toInstant(micros).toString();
  }

  /** What the boards could and could not be computed from, for leaderboard.meta.json. */
  public static Map<String, Object> leaderboardMeta(
      Instant reference, int monthDays, long withoutDate, long withoutUser, List<String> labelNames) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reference_time", reference == null ? null : reference.toString());
    m.put("time_frames", Leaderboard.TIME_FRAMES);
    m.put("frame_definition",
        "day/week/month: messages created in (reference - 1/7/" + monthDays
            + " days, reference]; total: every message");
    List<String> unavailableFrames = new ArrayList<>();
    if (reference == null) unavailableFrames.addAll(List.of("day", "week", "month"));
    m.put("unavailable_time_frames", unavailableFrames);
    m.put("messages_without_created_date_only_in_total", withoutDate);
    m.put("messages_without_user_id_excluded", withoutUser);
    Map<String, String> unavailable = new LinkedHashMap<>();
    for (String t : Leaderboard.UNAVAILABLE_LEADER_TERMS)
      unavailable.put(t, "needs the platform tables (text_labels / message_reaction); null in the output");
    m.put("leader_score_unavailable_terms", unavailable);
    m.put("leader_score_complete", false);
    List<String> absentLabels = new ArrayList<>();
    for (String l : Leaderboard.TROLL_LABELS) if (!labelNames.contains(l)) absentLabels.add(l);
    m.put("troll_score_labels_absent_from_input", absentLabels);
    m.put("troll_score_note",
        "label terms are sum(value x count) over the user's messages; emoji terms only count "
            + "non-deleted messages; labels absent from the input contribute nothing");
    return m;
  }

  private static Map<String, Object> effectiveConfig(PipelineConfig config) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : defaults().entrySet()) {
      Object def = e.getValue();
      Object v = def instanceof Integer ? (Object) config.getInt(e.getKey(), (Integer) def)
          : def instanceof Double ? (Object) config.getDouble(e.getKey(), (Double) def)
          : config.getString(e.getKey(), (String) def);
      out.put(e.getKey(), v);
    }
    return out;
  }

  private static String toJson(Object o) {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
