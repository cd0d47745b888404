package org.oasst.pipeline.core.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The usual ingest, one JSONL file, read and written in one pass: the task that reads the file hands
 * its messages straight to the writer of {@code tables/messages}, without the spread over the cores
 * that {@link OasstReader#read} makes. That spread (a shuffle of every row) exists for duplicate
 * resolution and for parallel writing; a gzip file is read by one task anyway, whose helper threads
 * (decompression, parsing) keep the second core busy while the task's thread writes.
 *
 * <p>Optimistic: whether the pass was enough is known only once the file is read. It was not when an
 * id may occur twice (duplicate resolution needs the spread) or when the quarantined lines outgrow
 * {@link #QUARANTINE_BYTES} (they travel to the driver); the caller then discards what it wrote and
 * reads again with {@link OasstReader#read}. The result is the same either way, row for row.
 *
 * <p>Use: {@link #plan}; write {@link #messages()}; then {@link #result()}.
 */
public final class SinglePassRead {
  /** The quarantined lines' rows (binary) the pass carries to the driver at most. */
  static final long QUARANTINE_BYTES = 16L << 20;

  private final SparkSession spark;
  private final List<InputFile> files;
  private final Dataset<Row> messages;
  private final CollectionAccumulator<Report> reports;
  private final String notApplicable;

  private SinglePassRead(
      SparkSession spark,
      List<InputFile> files,
      Dataset<Row> messages,
      CollectionAccumulator<Report> reports,
      String notApplicable) {
    this.spark = spark;
    this.files = files;
    this.messages = messages;
    this.reports = reports;
    this.notApplicable = notApplicable;
  }

  /**
   * The pass over {@code inputs}; it {@link #applies} to exactly one JSONL file when no partition count
   * is asked for. Bad inputs fail here, as in {@link OasstReader#read}.
   */
  public static SinglePassRead plan(SparkSession spark, List<String> inputs, ReadOptions options) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<InputFile> files = OasstReader.resolve(conf, inputs, options.format());
    String notApplicable = null;
    if (files.size() != 1) notApplicable = files.isEmpty() ? "no input file" : "several input files";
    else if (files.get(0).isParquet()) notApplicable = "a Parquet input";
    else if (options.partitions() > 0) notApplicable = IngestStage.PARTITIONS_KEY + " is set";
    if (notApplicable != null) return new SinglePassRead(spark, files, null, null, notApplicable);
    HadoopConf hadoopConf = new HadoopConf(conf);
    String format = options.format();
    CollectionAccumulator<Report> reports =
        spark.sparkContext().collectionAccumulator("single-pass read of " + files.get(0).path());
    JavaRDD<InternalRow> rows =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(files, 1)
            .mapPartitions(
                it -> new MessagesOnly(new OasstReader.FilesIterator(it, hadoopConf, format), reports::add));
    Dataset<Row> messages = RawRecords.frame(spark, rows).select(IngestTables.messageColumns());
    return new SinglePassRead(spark, files, messages, reports, null);
  }

  public boolean applies() {
    return notApplicable == null;
  }

  /** {@code Tables.MESSAGES}: the file's messages, read as an action runs it. Run it once. */
  public Dataset<Row> messages() {
    return messages;
  }

  /** Whether the action that ran {@link #messages()} read everything the tables need. */
  public boolean complete() {
    return spreadBecause() == null;
  }

  /** Why the input needs the spread read, or null if the single pass applies and was complete. */
  public String spreadBecause() {
    if (notApplicable != null) return notApplicable;
    Report r = report();
    if (r == null) return "the single pass did not report";
    if (r.summary.maybeRepeatedIds) return "a message id or tree id may occur twice";
    if (r.quarantine == null) return "more quarantined lines than the single pass carries";
    return null;
  }

  /**
   * After {@link #messages()} was run: the quarantine (held on the driver) and the manifest sections;
   * null unless {@link #complete()}. Its messages, labels and emojis are {@link #messages()} and what
   * explodes from it, which would read the file again: take them from the written table instead.
   */
  public IngestResult result() {
    if (!complete()) return null;
    Report r = report();
    List<InternalRow> rows = new ArrayList<>(r.quarantine);
    JavaRDD<InternalRow> quarantined =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 1);
    Dataset<Row> quarantine = IngestTables.lineQuarantine(RawRecords.frame(spark, quarantined));
    return OasstReader.result(messages, quarantine, OasstReader.perFile(files, r.summary), List.of());
  }

  /**
   * The first report: a task run twice (a lost executor, speculation) reads the same file and reports
   * the same.
   */
  private Report report() {
    List<Report> all = reports.value();
    return all.isEmpty() ? null : all.get(0);
  }

  /** What the reading task saw besides the messages it handed on. */
  static final class Report implements Serializable {
    private static final long serialVersionUID = 1L;

    final SpreadSummary summary;
    /** The quarantined lines' rows; null when they outgrew {@link #QUARANTINE_BYTES}. */
    final ArrayList<UnsafeRow> quarantine;

    Report(SpreadSummary summary, ArrayList<UnsafeRow> quarantine) {
      this.summary = summary;
      this.quarantine = quarantine;
    }
  }

  /**
   * Hands on the message rows only; keeps the quarantined lines' rows (up to the limit) and, at the
   * end, reports them with the summary made by the iterator it reads from.
   */
  static final class MessagesOnly implements Iterator<InternalRow> {
    private static final UTF8String MESSAGE = UTF8String.fromString(RawRecords.KIND_MESSAGE);
    private static final UTF8String QUARANTINE = UTF8String.fromString(RawRecords.KIND_QUARANTINE);

    private final Iterator<InternalRow> rows;
    private final Consumer<Report> done;
    private SpreadSummary summary;
    private ArrayList<UnsafeRow> quarantine = new ArrayList<>();
    private long quarantineBytes;
    private UnsafeProjection toBinary;
    private InternalRow next;
    private boolean reported;

    /** {@code raw}: every row read ({@link RawRecords}); {@code done} receives the report at the end. */
    MessagesOnly(Iterator<InternalRow> raw, Consumer<Report> done) {
      // the summary arrives when the rows run out, just before this iterator reports
      this.rows = SpreadSummary.observing(raw, s -> summary = s);
      this.done = done;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (!rows.hasNext()) {
          report();
          return false;
        }
        InternalRow row = rows.next();
        UTF8String kind = row.getUTF8String(RawRecords.KIND);
        if (kind.equals(MESSAGE)) {
          next = row;
        } else if (kind.equals(QUARANTINE)) {
          keep(row);
        }
        // tree markers only serve duplicate resolution, which this pass leaves to the spread read;
        // the file's statistics row is in the summary
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      InternalRow row = next;
      next = null;
      return row;
    }

    private void keep(InternalRow row) {
      if (quarantine == null) return;
      UnsafeRow binary;
      if (row instanceof UnsafeRow u) {
        binary = u.copy();
      } else {
        if (toBinary == null) toBinary = UnsafeProjection.create(RawRecords.SCHEMA);
        binary = toBinary.apply(row).copy();
      }
      quarantineBytes += binary.getSizeInBytes();
      if (quarantineBytes > QUARANTINE_BYTES) quarantine = null; // the spread read handles them
      else quarantine.add(binary);
    }

    private void report() {
      if (reported) return;
      reported = true;
      done.accept(new Report(summary, quarantine));
    }
  }
}
