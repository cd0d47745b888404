package org.oasst.pipeline.quality;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.oasst.pipeline.core.schema.Tables;
import org.oasst.pipeline.quality.acceptance.AcceptanceAudit;
import org.oasst.pipeline.quality.languages.LanguageStats;
import org.oasst.pipeline.quality.labels.LabelPassResult;
import org.oasst.pipeline.quality.labels.LabelTally;
import org.oasst.pipeline.quality.leaderboard.Leaderboard;

/**
 * The analyze stage's single scan of the messages table. Reading the labels map is most of the cost
 * of reading the table (10M messages: 5.7 of the 11.7 s a scan of every used column takes), and the
 * label statistics and correlations each read it again; this pass reads every used column once and,
 * message by message:
 * <ul>
 *   <li>emits the {@link QualityStage#project projection} (the plain columns and the few label and
 *       emoji values the audit and the boards read), which the stage caches for the analyses that
 *       group by user or parent;
 *   <li>tallies the input facts, the messages and trees per language, and the labels' frequency
 *       table, pair sums and joint tables ({@link LabelTally}).
 * </ul>
 * The tallies of each partition reach the driver through an accumulator when the partition has been
 * read to its end, and are merged in partition order, so the figures are the same on every run.
 */
public final class MessagePass {
  private MessagePass() {}

  /**
   * The projection (cached, filled) and the figures tallied while filling it; {@code columnar}: the
   * table was read in column batches (see {@link #read}).
   */
  public record Result(Dataset<Row> projected, boolean columnar, Facts facts,
      Map<String, long[]> languages, LabelPassResult labels) {}

  /** Input facts of quality.meta.json; created dates in microseconds, null when no message has one. */
  public record Facts(long messages, long withoutUserId, long withoutCreatedDate, long withEvents,
      long withLabels, Long firstCreatedMicros, Long lastCreatedMicros) {}

  /** Scans {@code messages} once; the returned projection is persisted and the caller unpersists it. */
  public static Result run(SparkSession spark, Dataset<Row> messages) {
    StructType projectedSchema = QualityStage.project(messages).schema();
    CollectionAccumulator<PartSummary> summaries =
        spark.sparkContext().collectionAccumulator("analyze: message pass");
    Read read = read(messages);
    Layout layout = new Layout(read.schema(), projectedSchema);
    RDD<InternalRow> rows =
        read.rows().toJavaRDD()
            .mapPartitions(partition -> new Tallying(partition, layout, summaries))
            .rdd();
    Dataset<Row> projected = QualityStage.uncompressedCache(
        spark, spark.internalCreateDataFrame(rows, projectedSchema, false));
    projected.count();
    int partitions = rows.getNumPartitions();
    Map<Integer, PartSummary> byPartition = collect(summaries);
    if (byPartition.size() < partitions) {
      // A partition read from the cache without being tallied (only if the cache lost a block
      // between filling and counting): tally every partition again, without caching.
      rows.toJavaRDD().foreachPartition(it -> {
        while (it.hasNext()) it.next();
      });
      byPartition = collect(summaries);
    }
    if (byPartition.size() != partitions)
      throw new IllegalStateException("analyze: " + byPartition.size() + " of " + partitions
          + " partitions of the messages table were tallied");
    return merge(projected, read.columnar(), new ArrayList<>(byPartition.values()));
  }

  /** The scanned rows, their schema, and whether they are views over Parquet column batches. */
  record Read(RDD<InternalRow> rows, StructType schema, boolean columnar) {}

  /**
   * The used columns of {@code messages}, row by row. Where the messages are a plain Parquet scan that
   * Spark reads in column batches (the vectorized reader, the usual case), the rows are views over
   * those batches: the generated code that turns each batch row into an UnsafeRow, copying every
   * string and both maps, was a third of this pass's time (10M messages: a columnar read of the used
   * columns took 6.3 s, the row scan 10.7 s). Otherwise (another source, a filtered table, the
   * vectorized reader off), Spark's row scan.
   */
  static Read read(Dataset<Row> messages) {
    List<Column> raw = new ArrayList<>();
    for (String c : QualityStage.PLAIN_COLUMNS) raw.add(col(c));
    raw.add(col("emojis"));
    raw.add(col("labels"));
    raw.add(col("events"));
    SparkPlan scan = batchScan(messages.select(raw.toArray(Column[]::new)));
    if (scan != null) {
      RDD<InternalRow> rows = scan.executeColumnar().toJavaRDD()
          .mapPartitions(batches -> (Iterator<InternalRow>) new BatchRows(batches)).rdd();
      return new Read(rows, scan.schema(), true);
    }
    List<Column> scanned = new ArrayList<>(raw.subList(0, raw.size() - 1));
    scanned.add(col("events").isNotNull().as("has_events"));
    Dataset<Row> rowScan = messages.select(scanned.toArray(Column[]::new));
    return new Read(rowScan.queryExecution().toRdd(), rowScan.schema(), false);
  }

  /**
   * The Parquet scan under {@code df}'s plan if that plan does nothing but read it in column batches
   * and convert them to rows; null otherwise.
   */
  private static SparkPlan batchScan(Dataset<Row> df) {
    SparkPlan node = df.queryExecution().executedPlan();
    while (node instanceof WholeStageCodegenExec || node instanceof InputAdapter
        || node instanceof ColumnarToRowExec) {
      if (node.children().size() != 1) return null;
      node = node.children().head();
    }
    if (!(node instanceof FileSourceScanExec) || !node.supportsColumnar()) return null;
    if (!node.schema().equals(df.schema())) return null;
    return node;
  }

  /**
   * The rows of a partition's column batches, each a view valid until the next one; the batch and
   * row it shows are at hand for reading the column vectors directly.
   */
  static final class BatchRows implements Iterator<InternalRow> {
    private final Iterator<ColumnarBatch> batches;
    private ColumnarBatch batch;
    private int rowId = -1;
    private int rows;
    private boolean batchStarted;

    BatchRows(Iterator<ColumnarBatch> batches) {
      this.batches = batches;
    }

    @Override
    public boolean hasNext() {
      while (rowId + 1 >= rows && batches.hasNext()) {
        batch = batches.next();
        rows = batch.numRows();
        rowId = -1;
        batchStarted = true;
      }
      return rowId + 1 < rows;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      return batch.getRow(++rowId);
    }

    ColumnarBatch batch() {
      return batch;
    }

    int rowId() {
      return rowId;
    }

    /** Whether the row last returned is a new batch's first (once per batch). */
    boolean startedBatch() {
      boolean started = batchStarted;
      batchStarted = false;
      return started;
    }
  }

  /** One summary per partition (a partition tallied twice counts once), in partition order. */
  private static Map<Integer, PartSummary> collect(CollectionAccumulator<PartSummary> summaries) {
    Map<Integer, PartSummary> out = new TreeMap<>();
    for (PartSummary s : summaries.value()) out.putIfAbsent(s.partition, s);
    return out;
  }

  private static Result merge(Dataset<Row> projected, boolean columnar, List<PartSummary> parts) {
    long messages = 0, withoutUser = 0, withoutCreated = 0, withEvents = 0, withLabels = 0;
    Long first = null, last = null;
    Map<String, long[]> languages = new LinkedHashMap<>();
    List<LabelTally> tallies = new ArrayList<>();
    for (PartSummary s : parts) {
      messages += s.messages;
      withoutUser += s.withoutUser;
      withoutCreated += s.withoutCreated;
      withEvents += s.withEvents;
      withLabels += s.withLabels;
      if (s.anyCreated) {
        first = first == null ? s.minCreated : Math.min(first, s.minCreated);
        last = last == null ? s.maxCreated : Math.max(last, s.maxCreated);
      }
      for (int i = 0; i < s.langs.size(); i++) {
        long[] into = languages.computeIfAbsent(s.langs.get(i), k -> new long[4]);
        long[] c = s.langCounts.get(i);
        for (int k = 0; k < 4; k++) into[k] += c[k];
      }
      tallies.add(s.labels);
    }
    return new Result(projected, columnar,
        new Facts(messages, withoutUser, withoutCreated, withEvents, withLabels, first, last),
        languages, new LabelPassResult(tallies));
  }

  /** What one partition tallied. */
  static final class PartSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
    long messages, withoutUser, withoutCreated, withEvents, withLabels;
    boolean anyCreated;
    long minCreated, maxCreated;
    /** lang ("und" for none) -> messages, prompter, assistant, trees (messages without parent). */
    final List<String> langs = new ArrayList<>();
    final List<long[]> langCounts = new ArrayList<>();
    final LabelTally labels = new LabelTally();
  }

  /** Where each column is in the scanned rows and in the projection. */
  static final class Layout implements Serializable {
    private static final long serialVersionUID = 1L;
    final StructType projected;
    final DataType[] plainTypes;
    /** Per plain column: its position in the scanned rows (in the projection: its index). */
    final int[] plainIn;
    final int emojis, labels;
    /** The scanned rows' has_events flag, or (when {@link #eventsRaw}) their events column. */
    final int hasEventsIn;
    final boolean eventsRaw;
    final int parentId, userId, createdDate, rank;
    final int hasEvents, hasLabels, projectedRole, projectedLang;
    /** Per audited label, per emoji, per troll label: its column in the projection. */
    final int[] auditColumn = new int[AcceptanceAudit.AUDITED_LABELS.size()];
    final int[] emojiColumn = new int[Leaderboard.EMOJIS.size()];
    final int[] trollColumn = new int[Leaderboard.TROLL_LABELS.size()];

    Layout(StructType scan, StructType projected) {
      this.projected = projected;
      plainTypes = new DataType[QualityStage.PLAIN_COLUMNS.size()];
      plainIn = new int[plainTypes.length];
      for (int i = 0; i < plainTypes.length; i++) {
        String name = QualityStage.PLAIN_COLUMNS.get(i);
        // The plain columns lead the projection, in this order.
        if (!projected.fields()[i].name().equals(name))
          throw new IllegalStateException("projection does not start with the plain columns");
        plainIn[i] = scan.fieldIndex(name);
        plainTypes[i] = scan.fields()[plainIn[i]].dataType();
      }
      emojis = scan.fieldIndex("emojis");
      labels = scan.fieldIndex("labels");
      eventsRaw = !java.util.Arrays.asList(scan.fieldNames()).contains("has_events");
      hasEventsIn = scan.fieldIndex(eventsRaw ? "events" : "has_events");
      parentId = scan.fieldIndex("parent_id");
      userId = scan.fieldIndex("user_id");
      createdDate = scan.fieldIndex("created_date");
      rank = scan.fieldIndex("rank");
      projectedRole = projected.fieldIndex("role");
      projectedLang = projected.fieldIndex("lang");
      hasEvents = projected.fieldIndex("has_events");
      hasLabels = projected.fieldIndex("has_labels");
      for (int i = 0; i < auditColumn.length; i++)
        auditColumn[i] = projected.fieldIndex(AcceptanceAudit.labelColumn(AcceptanceAudit.AUDITED_LABELS.get(i)));
      for (int i = 0; i < emojiColumn.length; i++)
        emojiColumn[i] = projected.fieldIndex(Leaderboard.emojiColumn(Leaderboard.EMOJIS.get(i)));
      for (int i = 0; i < trollColumn.length; i++)
        trollColumn[i] = projected.fieldIndex(Leaderboard.trollColumn(Leaderboard.TROLL_LABELS.get(i)));
    }
  }

  /** The projection of one partition's rows, tallying as it goes. */
  static final class Tallying implements Iterator<InternalRow> {
    private static final UTF8String PROMPTER = UTF8String.fromString(Tables.PROMPTER);
    private static final UTF8String ASSISTANT = UTF8String.fromString(Tables.ASSISTANT);
    private static final UTF8String UNKNOWN_LANG = UTF8String.fromString(LanguageStats.UNKNOWN_LANG);

    private final Iterator<InternalRow> in;
    private final Layout layout;
    private final CollectionAccumulator<PartSummary> out;
    private final PartSummary summary = new PartSummary();
    private final SpecificInternalRow row;
    private boolean reported;

    // Dictionaries of the partition: lang and role -> index (the last one looked up first).
    private final Map<UTF8String, Integer> langIndex = new HashMap<>();
    private final List<UTF8String> langKeys = new ArrayList<>();
    private UTF8String lastLang;
    private int lastLangIndex;
    private final Map<UTF8String, Integer> roleIndex = new HashMap<>();
    private final List<String> roles = new ArrayList<>();
    /** Per label name (tally index): its index in AcceptanceAudit.AUDITED_LABELS, -1 if none. */
    private int[] auditOf = new int[0];
    /** Per label name: the troll column it gives, -1 none. */
    private int[] trollOf = new int[0];
    private final boolean[] auditSet;
    private final boolean[] trollSet;
    private final boolean[] emojiSet;
    private final UTF8String[] emojiKeys;
    private final RoundingCache rounding = new RoundingCache();

    /** Column batches: the vectors of the current batch, read directly; null when reading rows. */
    private final BatchRows batches;
    private final ColumnVector[] plainVectors;
    private final DictionaryCache[] plainStrings;
    private ColumnVector labelKeys, labelValue, labelCount, labelStructs, emojiKeyVector, emojiValues;
    /** The current batch's map columns, when their offsets can be read (null: read as maps). */
    private WritableColumnVector labelsVector, emojisVector;
    private final DictionaryCache labelNames = new DictionaryCache();
    private final DictionaryCache emojiNames = new DictionaryCache();

    Tallying(Iterator<InternalRow> in, Layout layout, CollectionAccumulator<PartSummary> out) {
      this.in = in;
      this.layout = layout;
      this.out = out;
      TaskContext task = TaskContext.get();
      summary.partition = task == null ? 0 : task.partitionId();
      row = new SpecificInternalRow(layout.projected);
      trollSet = new boolean[layout.trollColumn.length];
      auditSet = new boolean[layout.auditColumn.length];
      emojiSet = new boolean[layout.emojiColumn.length];
      emojiKeys = Leaderboard.EMOJIS.stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
      batches = in instanceof BatchRows b ? b : null;
      plainVectors = new ColumnVector[layout.plainTypes.length];
      plainStrings = new DictionaryCache[layout.plainTypes.length];
      for (int i = 0; i < plainStrings.length; i++)
        if (layout.plainTypes[i] == DataTypes.StringType) plainStrings[i] = new DictionaryCache();
    }

    @Override
    public boolean hasNext() {
      if (in.hasNext()) return true;
      if (!reported) {
        reported = true;
        out.add(summary);
      }
      return false;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      InternalRow r = in.next();
      if (batches != null && batches.startedBatch()) startBatch(batches.batch());
      Layout l = layout;
      for (int i = 0; i < l.plainTypes.length; i++) {
        int in = l.plainIn[i];
        if (r.isNullAt(in)) {
          row.setNullAt(i);
          continue;
        }
        DataType t = l.plainTypes[i];
        if (t == DataTypes.StringType) row.update(i, string(r, i));
        else if (t == DataTypes.IntegerType) row.setInt(i, r.getInt(in));
        else if (t == DataTypes.LongType || t == DataTypes.TimestampType) row.setLong(i, r.getLong(in));
        else if (t == DataTypes.BooleanType) row.setBoolean(i, r.getBoolean(in));
        else row.update(i, r.get(in, t));
      }
      boolean hasEvents = l.eventsRaw ? !r.isNullAt(l.hasEventsIn) : r.getBoolean(l.hasEventsIn);
      boolean hasLabels = !r.isNullAt(l.labels);
      row.setBoolean(l.hasEvents, hasEvents);
      row.setBoolean(l.hasLabels, hasLabels);
      tallyMessage(r, hasEvents, hasLabels);
      return row;
    }

    /** The vectors of a new batch, and the dictionaries of its string columns. */
    private void startBatch(ColumnarBatch batch) {
      Layout l = layout;
      for (int i = 0; i < plainVectors.length; i++) {
        plainVectors[i] = batch.column(l.plainIn[i]);
        if (plainStrings[i] != null) plainStrings[i].startBatch(plainVectors[i]);
      }
      labelsVector = batch.column(l.labels) instanceof WritableColumnVector v ? v : null;
      if (labelsVector != null) {
        labelKeys = labelsVector.getChild(0);
        labelStructs = labelsVector.getChild(1);
        labelValue = labelStructs.getChild(0);
        labelCount = labelStructs.getChild(1);
        labelNames.startBatch(labelKeys);
      }
      emojisVector = batch.column(l.emojis) instanceof WritableColumnVector v ? v : null;
      if (emojisVector != null) {
        emojiKeyVector = emojisVector.getChild(0);
        emojiValues = emojisVector.getChild(1);
        emojiNames.startBatch(emojiKeyVector);
      }
    }

    /** The plain string column {@code i} (not null) of the current row. */
    private UTF8String string(InternalRow r, int i) {
      if (batches == null) return r.getUTF8String(layout.plainIn[i]);
      return plainStrings[i].string(plainVectors[i], batches.rowId());
    }

    private void tallyMessage(InternalRow r, boolean hasEvents, boolean hasLabels) {
      Layout l = layout;
      PartSummary s = summary;
      s.messages++;
      if (r.isNullAt(l.userId)) s.withoutUser++;
      if (r.isNullAt(l.createdDate)) {
        s.withoutCreated++;
      } else {
        long created = r.getLong(l.createdDate);
        if (!s.anyCreated) {
          s.anyCreated = true;
          s.minCreated = created;
          s.maxCreated = created;
        } else {
          s.minCreated = Math.min(s.minCreated, created);
          s.maxCreated = Math.max(s.maxCreated, created);
        }
      }
      if (hasEvents) s.withEvents++;
      // Read from the projection row, which holds the plain columns (their strings decoded once
      // per dictionary value when reading batches).
      UTF8String role = row.getUTF8String(l.projectedRole);
      UTF8String lang = row.isNullAt(l.projectedLang) ? UNKNOWN_LANG : row.getUTF8String(l.projectedLang);
      int langIdx = langOf(lang);
      long[] counts = s.langCounts.get(langIdx);
      counts[0]++;
      if (role.equals(PROMPTER)) counts[1]++;
      else if (role.equals(ASSISTANT)) counts[2]++;
      if (r.isNullAt(l.parentId)) counts[3]++;

      for (int k = 0; k < emojiKeys.length; k++) {
        row.setLong(l.emojiColumn[k], 0L);
        emojiSet[k] = false;
      }
      if (!r.isNullAt(l.emojis)) {
        if (batches != null && emojisVector != null) emojisFromVectors(batches.rowId());
        else emojisFromRow(r);
      }
      for (int c : l.auditColumn) row.setDouble(c, 0.0);
      for (int c : l.trollColumn) row.setDouble(c, 0.0);
      if (!hasLabels) return;
      s.withLabels++;
      LabelTally tally = s.labels;
      boolean rankNull = r.isNullAt(l.rank);
      int roleIdx = roleOf(role);
      int combo = tally.combination(roleIdx, roles.get(roleIdx), langIdx, s.langs.get(langIdx),
          rankNull, rankNull ? 0 : r.getInt(l.rank));
      tally.beginMessage(combo);
      java.util.Arrays.fill(auditSet, false);
      java.util.Arrays.fill(trollSet, false);
      if (batches != null && labelsVector != null) labelsFromVectors(tally, batches.rowId());
      else labelsFromRow(tally, r);
      tally.endMessage();
    }

    private void labelsFromRow(LabelTally tally, InternalRow r) {
      MapData map = r.getMap(layout.labels);
      ArrayData names = map.keyArray();
      ArrayData values = map.valueArray();
      for (int e = 0, n = map.numElements(); e < n; e++) {
        int name = tally.nameAt(e, names.getUTF8String(e));
        if (values.isNullAt(e)) {
          label(tally, name, true, 0, true, 0);
          continue;
        }
        InternalRow label = values.getStruct(e, 2);
        boolean valueNull = label.isNullAt(0), countNull = label.isNullAt(1);
        label(tally, name, valueNull, valueNull ? 0 : label.getDouble(0), countNull,
            countNull ? 0 : label.getInt(1));
      }
    }

    /** As {@link #labelsFromRow}, from the map's key and value vectors. */
    private void labelsFromVectors(LabelTally tally, int rowId) {
      int first = labelsVector.getArrayOffset(rowId);
      for (int e = 0, n = labelsVector.getArrayLength(rowId); e < n; e++) {
        int at = first + e;
        int name = labelNames.derived(at);
        if (name < 0) {
          name = tally.nameAt(e, labelKeys.getUTF8String(at));
          labelNames.remember(at, name);
        }
        if (labelStructs.isNullAt(at)) {
          label(tally, name, true, 0, true, 0);
          continue;
        }
        boolean valueNull = labelValue.isNullAt(at), countNull = labelCount.isNullAt(at);
        label(tally, name, valueNull, valueNull ? 0 : labelValue.getDouble(at), countNull,
            countNull ? 0 : labelCount.getInt(at));
      }
    }

    /** One entry of a message's labels map, in map order. */
    private void label(LabelTally tally, int name, boolean valueNull, double value, boolean countNull,
        int count) {
      Layout l = layout;
      if (name >= auditOf.length) knowNames(tally);
      tally.label(name, valueNull, value, countNull, count);
      // element_at takes a name's first entry: later ones are not looked at.
      int audit = auditOf[name];
      if (audit >= 0 && !auditSet[audit]) {
        auditSet[audit] = true;
        row.setDouble(l.auditColumn[audit], valueNull ? 0.0 : value);
      }
      int troll = trollOf[name];
      if (troll >= 0 && !trollSet[troll]) {
        trollSet[troll] = true;
        row.setDouble(l.trollColumn[troll],
            valueNull || countNull ? 0.0 : rounding.round6(value * count));
      }
    }

    private void emojisFromRow(InternalRow r) {
      MapData map = r.getMap(layout.emojis);
      ArrayData names = map.keyArray();
      ArrayData values = map.valueArray();
      for (int e = 0, n = map.numElements(); e < n; e++) {
        boolean valueNull = values.isNullAt(e);
        emoji(emojiOf(names.getUTF8String(e)), valueNull, valueNull ? 0 : values.getInt(e));
      }
    }

    private void emojisFromVectors(int rowId) {
      int first = emojisVector.getArrayOffset(rowId);
      for (int e = 0, n = emojisVector.getArrayLength(rowId); e < n; e++) {
        int at = first + e;
        int k = emojiNames.derived(at);
        if (k < 0) {
          // -1 (an emoji the boards do not count) is remembered as the last position plus one
          k = emojiOf(emojiKeyVector.getUTF8String(at));
          emojiNames.remember(at, k < 0 ? emojiKeys.length : k);
        } else if (k == emojiKeys.length) {
          k = -1;
        }
        boolean valueNull = emojiValues.isNullAt(at);
        emoji(k, valueNull, valueNull ? 0 : emojiValues.getInt(at));
      }
    }

    /** The position of {@code name} in {@link Leaderboard#EMOJIS}, -1 if it is not one. */
    private int emojiOf(UTF8String name) {
      for (int k = 0; k < emojiKeys.length; k++) if (name.equals(emojiKeys[k])) return k;
      return -1;
    }

    /** One entry of a message's emojis map: the first entry of an emoji counts (as element_at). */
    private void emoji(int k, boolean valueNull, int value) {
      if (k < 0 || emojiSet[k]) return;
      emojiSet[k] = true;
      if (!valueNull) row.setLong(layout.emojiColumn[k], value);
    }

    private int langOf(UTF8String lang) {
      if (lang.equals(lastLang)) return lastLangIndex;
      Integer idx = langIndex.get(lang);
      if (idx == null) {
        UTF8String copy = lang.clone();
        idx = langKeys.size();
        langIndex.put(copy, idx);
        langKeys.add(copy);
        summary.langs.add(copy.toString());
        summary.langCounts.add(new long[4]);
      }
      lastLang = langKeys.get(idx);
      lastLangIndex = idx;
      return idx;
    }

    private int roleOf(UTF8String role) {
      Integer idx = roleIndex.get(role);
      if (idx == null) {
        idx = roles.size();
        UTF8String copy = role.clone();
        roleIndex.put(copy, idx);
        roles.add(copy.toString());
      }
      return idx;
    }

    /** Which derived columns the tally's names give, for names met since the last call. */
    private void knowNames(LabelTally tally) {
      List<String> names = tally.names();
      int from = auditOf.length;
      auditOf = java.util.Arrays.copyOf(auditOf, names.size());
      trollOf = java.util.Arrays.copyOf(trollOf, names.size());
      for (int i = from; i < names.size(); i++) {
        String name = names.get(i);
        auditOf[i] = AcceptanceAudit.AUDITED_LABELS.indexOf(name);
        trollOf[i] = Leaderboard.TROLL_LABELS.indexOf(name);
      }
    }
  }

  /**
   * Spark's {@code round(x, 6)} of the troll label products, remembered per product: a direct-mapped
   * cache, as the products are a few hundred values repeated over millions of messages.
   */
  static final class RoundingCache {
    private final long[] keys = new long[4096];
    private final double[] values = new double[4096];
    private final boolean[] filled = new boolean[4096];

    double round6(double x) {
      long bits = Double.doubleToRawLongBits(x);
      long h = bits * 0x9E3779B97F4A7C15L;
      int slot = (int) (h >>> 52);
      if (filled[slot] && keys[slot] == bits) return values[slot];
      double rounded = LabelTally.roundHalfUp6(x);
      keys[slot] = bits;
      values[slot] = rounded;
      filled[slot] = true;
      return rounded;
    }
  }
}
