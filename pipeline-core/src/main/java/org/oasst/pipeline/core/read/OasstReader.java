package org.oasst.pipeline.core.read;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Reads OASST inputs of any format (trees JSONL, messages JSONL, HF JSONL, HF Parquet; plain or
 * gzip) into the normalized tables, with nothing lost: every line ends in the tables or in the
 * quarantine, and the reconciliation says where each went.
 *
 * <p>How: inputs are expanded and checked on the driver (an unreadable input fails before any job);
 * one Spark task per JSONL file streams it (a gzip file cannot be split anyway); Parquet goes through
 * Spark's reader with an explicit schema. The rows are then spread over the cores by message id, which
 * also puts all copies of one id in one partition for duplicate resolution; the shuffle files of that
 * spread are kept, so that the inputs are read and parsed once. Duplicate resolution runs only when
 * an id does occur twice, as a summary of the rows tells: made by the reading task itself when one
 * JSONL file is read, otherwise by a pass over the spread rows.
 */
public final class OasstReader {
  private OasstReader() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public static IngestResult read(SparkSession spark, List<String> inputs, ReadOptions options) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<InputFile> files = resolve(conf, inputs, options.format());
    String format = options.format();
    List<InputFile> parquet = files.stream().filter(InputFile::isParquet).toList();
    List<InputFile> jsonl = files.stream().filter(f -> !f.isParquet()).toList();
    HadoopConf hadoopConf = new HadoopConf(conf);
    Dataset<Row> raw = null;
    // A single JSONL file is read by a single task, which sees every row to be spread: it summarizes
    // them as it reads them, and no pass over the spread rows is needed for that.
    boolean summarizedWhileReading = jsonl.size() == 1 && parquet.isEmpty();
    CollectionAccumulator<SpreadSummary> readSummary = null;
    if (!jsonl.isEmpty()) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      String lineFormat = format;
      JavaRDD<InternalRow> rows =
          jsc.parallelize(jsonl, jsonl.size())
              .mapPartitions(it -> new FilesIterator(it, hadoopConf, lineFormat));
      if (summarizedWhileReading) {
        CollectionAccumulator<SpreadSummary> summaries =
            spark.sparkContext().collectionAccumulator("summary of the rows read");
        rows = rows.mapPartitions(it -> SpreadSummary.observing(it, summaries::add));
        readSummary = summaries;
      }
      raw = RawRecords.frame(spark, rows);
    }
    if (!parquet.isEmpty()) {
      Dataset<Row> fromParquet = ParquetHfReader.read(spark, parquet, hadoopConf);
      raw = raw == null ? fromParquet : raw.unionByName(fromParquet);
    }
    int partitions =
        options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism();
    // Spread over the cores by message id, which also puts all copies of one id in one partition.
    // Taking the shuffled rows as an RDD runs the read once, here; every job below reads the kept
    // shuffle files again instead of a cached copy of all rows (building that cost more than the
    // passes it saved).
    JavaRDD<InternalRow> shuffled =
        raw.repartition(partitions, col("_part_key")).queryExecution().toRdd().toJavaRDD();
    Dataset<Row> spread = RawRecords.frame(spark, shuffled);

    // What decides the rest: the files' statistics, the number of quarantined lines, and whether an
    // id may occur twice.
    SpreadSummary summary =
        summarizedWhileReading ? summaryOfTheRead(shuffled, readSummary) : summaryOfTheSpread(shuffled);
    Map<String, FileTotals> perFile = perFile(files, summary);
    long quarantinedRows = summary.quarantinedRows;
    List<Dataset<Row>> cached = new ArrayList<>();
    // The message ids and tree ids that do occur more than once, if the summary saw a repeat.
    Dataset<Row> repeatedKeys = null;
    if (summary.maybeRepeatedIds) {
      repeatedKeys =
          spread
              .filter(col("_kind").isin(RawRecords.KIND_MESSAGE, RawRecords.KIND_TREE))
              .groupBy("_kind", "_part_key")
              .agg(count(lit(1)).as("_n"))
              .filter(col("_n").gt(1))
              .persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(repeatedKeys);
    }
    boolean repeatedIds = repeatedKeys != null && !repeatedKeys.isEmpty();

    Dataset<Row> rawMessages = spread.filter(col("_kind").equalTo(RawRecords.KIND_MESSAGE));
    Dataset<Row> lineQuarantine =
        IngestTables.lineQuarantine(spread.filter(col("_kind").equalTo(RawRecords.KIND_QUARANTINE)));
    if (quarantinedRows == 0) {
      // the same (empty) table without a pass over all rows to find nothing
      lineQuarantine = spark.createDataFrame(List.of(), lineQuarantine.schema());
    }
    Dataset<Row> messages;
    Dataset<Row> quarantine;
    if (!repeatedIds) {
      // The usual case: every id once, nothing to resolve.
      messages = rawMessages.select(IngestTables.messageColumns());
      quarantine = lineQuarantine;
    } else {
      // the repeated ids are already known: no second aggregation over all messages
      Dataset<Row> repeatedMessageIds =
          repeatedKeys.filter(col("_kind").equalTo(RawRecords.KIND_MESSAGE)).select(col("_part_key"));
      Dataset<Row> duplicateCopies =
          IngestTables.duplicateCopies(rawMessages, repeatedMessageIds).persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(duplicateCopies);
      messages = IngestTables.distinctMessages(rawMessages, duplicateCopies);
      quarantine = lineQuarantine.unionByName(IngestTables.conflictQuarantine(duplicateCopies));
      countDuplicates(spread, duplicateCopies, perFile);
    }

    return result(messages, quarantine, perFile, cached);
  }

  /** Every input file's totals, from the statistics rows of the summary. */
  static Map<String, FileTotals> perFile(List<InputFile> files, SpreadSummary summary) {
    Map<String, FileTotals> perFile = new LinkedHashMap<>();
    for (InputFile f : files) perFile.put(f.path(), new FileTotals(f));
    // a Parquet file reports one statistics row per partition, each to be added
    for (String json : summary.fileStats) {
      Map<String, Object> stats = parse(json);
      perFile.computeIfAbsent((String) stats.get("path"), p -> new FileTotals(null)).add(stats);
    }
    return perFile;
  }

  /** The tables and the manifest sections; the reconciliation is checked to balance here. */
  static IngestResult result(
      Dataset<Row> messages,
      Dataset<Row> quarantine,
      Map<String, FileTotals> perFile,
      List<Dataset<Row>> cached) {
    Map<String, Object> reconciliation = reconciliation(perFile);
    List<Map<String, Object>> inputSection = new ArrayList<>();
    Map<String, Long> unknownKeys = new TreeMap<>();
    for (FileTotals t : perFile.values()) {
      inputSection.add(t.inputEntry());
      t.unknownKeys.forEach((k, v) -> unknownKeys.merge(k, v, Long::sum));
    }
    return new IngestResult(
        messages,
        IngestTables.labels(messages),
        IngestTables.emojis(messages),
        quarantine,
        inputSection,
        reconciliation,
        unknownKeys,
        cached);
  }

  /**
   * The input files, checked on the driver: a missing or unreadable input, or one of another container
   * than a forced format, fails here, before any Spark job.
   */
  static List<InputFile> resolve(Configuration conf, List<String> inputs, String format) {
    List<InputFile> files = InputResolver.resolve(conf, inputs);
    List<InputFile> parquet = files.stream().filter(InputFile::isParquet).toList();
    List<InputFile> jsonl = files.stream().filter(f -> !f.isParquet()).toList();
    if (format.equals("parquet") && !jsonl.isEmpty()) {
      throw new InputException("--format parquet, but not a Parquet file: " + jsonl.get(0).path());
    }
    if ((format.equals(LineProcessor.TREES) || format.equals(LineProcessor.MESSAGES))
        && !parquet.isEmpty()) {
      throw new InputException("--format " + format + ", but a Parquet file: " + parquet.get(0).path());
    }
    return files;
  }

  /** One narrow pass (no shuffle) over the spread rows. */
  private static SpreadSummary summaryOfTheSpread(JavaRDD<InternalRow> shuffled) {
    return shuffled
        .mapPartitions(rows -> List.of(SpreadSummary.of(rows)).iterator())
        .reduce(SpreadSummary::merge);
  }

  /**
   * The summary the single reading task made. Taking the spread rows as an RDD has already run that
   * task under adaptive execution; otherwise a job whose tasks never read their rows runs it (the
   * shuffle files are written, nothing is fetched). A task run again (a lost executor) reports the
   * same summary twice: the first is taken.
   */
  private static SpreadSummary summaryOfTheRead(
      JavaRDD<InternalRow> shuffled, CollectionAccumulator<SpreadSummary> readSummary) {
    if (readSummary.value().isEmpty()) shuffled.foreachPartition(rows -> {});
    List<SpreadSummary> reported = readSummary.value();
    return reported.isEmpty() ? summaryOfTheSpread(shuffled) : reported.get(0);
  }

  /** Adds the duplicate counts to the files' totals: one job for all of them. */
  private static void countDuplicates(
      Dataset<Row> spread, Dataset<Row> duplicateCopies, Map<String, FileTotals> perFile) {
    Column messageOutcome =
        when(col(IngestTables.VARIANTS).gt(1), lit("messages_conflicting"))
            .when(col(IngestTables.COPY).gt(1), lit("messages_collapsed"));
    Dataset<Row> outcomes =
        duplicateCopies.select(col("source_file"), messageOutcome.as("_outcome"))
            .unionByName(treeOutcomes(spread, duplicateCopies));
    for (Row r :
        outcomes.filter(col("_outcome").isNotNull()).groupBy("_outcome", "source_file").count().collectAsList()) {
      FileTotals t = perFile.computeIfAbsent(r.getString(1), p -> new FileTotals(null));
      long n = r.getLong(2);
      switch (r.getString(0)) {
        case "messages_conflicting" -> t.messagesConflicting = n;
        case "messages_collapsed" -> t.messagesCollapsed = n;
        case "trees_collapsed" -> t.treesCollapsed = n;
        default -> t.treesDiffering = n;
      }
    }
  }

  /**
   * Duplicate trees: tree lines with one tree id. Identical copies (same set of message ids, none of
   * them conflicting) count as collapsed in the files of the later copies; others as differing.
   */
  private static Dataset<Row> treeOutcomes(Dataset<Row> spread, Dataset<Row> duplicateCopies) {
    Dataset<Row> trees = spread.filter(col("_kind").equalTo(RawRecords.KIND_TREE));
    Dataset<Row> repeated =
        trees.groupBy(col("_part_key"))
            .agg(
                count(lit(1)).as("_n"),
                countDistinct(col("_tree_hash"), col("_node_count")).as("_shapes"))
            .filter(col("_n").gt(1));
    Dataset<Row> conflictingTrees =
        duplicateCopies.filter(col(IngestTables.VARIANTS).gt(1))
            .select(col("message_tree_id").as("_conflict_tree"))
            .distinct();
    Dataset<Row> copies =
        trees.join(repeated.hint("shuffle_hash"), "_part_key")
            .join(conflictingTrees, col("message_tree_id").equalTo(col("_conflict_tree")), "left")
            .withColumn(
                "_copy",
                row_number().over(
                    Window.partitionBy(col("_part_key")).orderBy(col("source_file"), col("source_line"))));
    Column outcome =
        when(col("_shapes").gt(1).or(col("_conflict_tree").isNotNull()), lit("trees_differing"))
            .when(col("_copy").gt(1), lit("trees_collapsed"));
    return copies.select(col("source_file"), outcome.as("_outcome"));
  }

  private static Map<String, Object> reconciliation(Map<String, FileTotals> perFile) {
    Map<String, Object> files = new LinkedHashMap<>();
    Map<String, Long> totals = new LinkedHashMap<>();
    for (Map.Entry<String, FileTotals> e : perFile.entrySet()) {
      Map<String, Long> entry = e.getValue().reconciliationEntry();
      if (entry.get("lines_read") != entry.get("lines_accepted") + entry.get("lines_quarantined")) {
        throw new IllegalStateException("reconciliation does not balance for " + e.getKey() + ": " + entry);
      }
      files.put(e.getKey(), entry);
      entry.forEach((k, v) -> totals.merge(k, v, Long::sum));
    }
    totals.put(
        "messages_distinct",
        totals.getOrDefault("messages_parsed", 0L)
            - totals.getOrDefault("duplicate_messages_collapsed", 0L)
            - totals.getOrDefault("conflicting_messages_quarantined", 0L));
    totals.put(
        "quarantine_rows",
        totals.getOrDefault("lines_quarantined", 0L)
            + totals.getOrDefault("conflicting_messages_quarantined", 0L)
            + totals.getOrDefault("empty_files", 0L));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("files", files);
    out.put("totals", totals);
    return out;
  }

  private static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds up the statistics of one file (Parquet files report one part per partition). */
  static final class FileTotals {
    String container;
    long sizeBytes = -1;
    String checksum;
    final TreeSet<String> formats = new TreeSet<>();
    final Map<String, Long> counts = new LinkedHashMap<>();
    final Map<String, Long> unknownKeys = new TreeMap<>();
    String path;
    long messagesCollapsed;
    long messagesConflicting;
    long treesCollapsed;
    long treesDiffering;

    FileTotals(InputFile file) {
      if (file != null) {
        path = file.path();
        container = file.container();
      }
      for (String k :
          List.of("lines_read", "lines_accepted", "lines_quarantined", "blank_lines", "trees_read",
              "messages_parsed")) {
        counts.put(k, 0L);
      }
    }

    @SuppressWarnings("unchecked")
    void add(Map<String, Object> stats) {
      if (path == null) path = (String) stats.get("path");
      if (stats.get("checksum") != null) {
        checksum = (String) stats.get("checksum");
        sizeBytes = ((Number) stats.get("size_bytes")).longValue();
      }
      formats.addAll((List<String>) stats.get("formats"));
      for (String k : counts.keySet()) {
        counts.merge(k, ((Number) stats.get(k)).longValue(), Long::sum);
      }
      ((Map<String, Object>) stats.get("unknown_keys"))
          .forEach((k, v) -> unknownKeys.merge(k, ((Number) v).longValue(), Long::sum));
    }

    Map<String, Long> reconciliationEntry() {
      Map<String, Long> m = new LinkedHashMap<>(counts);
      m.put("duplicate_trees_collapsed", treesCollapsed);
      m.put("duplicate_trees_differing", treesDiffering);
      m.put("duplicate_messages_collapsed", messagesCollapsed);
      m.put("conflicting_messages_quarantined", messagesConflicting);
      m.put("empty_files", counts.get("lines_read") == 0 && !"parquet".equals(container) ? 1L : 0L);
      return m;
    }

    Map<String, Object> inputEntry() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", path);
      m.put("size_bytes", sizeBytes);
      m.put("checksum", checksum);
      m.put("container", container);
      m.put("formats", new ArrayList<>(formats));
      return m;
    }
  }

  /** Reads the files of one partition (normally exactly one) one after the other. */
  static final class FilesIterator implements Iterator<InternalRow> {
    private final Iterator<InputFile> files;
    private final HadoopConf conf;
    private final String format;
    private Iterator<InternalRow> current = Collections.emptyIterator();

    FilesIterator(Iterator<InputFile> files, HadoopConf conf, String format) {
      this.files = files;
      this.conf = conf;
      this.format = format;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (!files.hasNext()) return false;
        current = new JsonlFileIterator(files.next(), conf.get(), format);
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      return current.next();
    }
  }
}
