package org.oasst.pipeline.quality.labels;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Correlation matrix between labels, Pearson and Spearman, each cell over the messages that carry
 * both labels with a value (pairwise complete), with its n.
 *
 * <p>One pass over the messages: each partition accumulates, for every pair, the exact sums for
 * Pearson and the joint frequency table of the two labels' values; partitions are merged and the
 * Spearman coefficient (Pearson over mid-ranks, ties averaged) is computed from those tables on the
 * driver. Exported label values are means of a few Likert steps, so a label has few distinct values
 * and the tables stay small. A label with more than {@code maxExactValues} distinct values (as the
 * label statistics estimated) is rounded to a grid of 1/{@code coarseGrid} for Spearman only, and
 * its cells say {@code spearman_exact = false}.
 */
public final class LabelCorrelation {
  private LabelCorrelation() {}

  public static final StructType SCHEMA =
      new StructType()
          .add("label_a", DataTypes.StringType, false)
          .add("label_b", DataTypes.StringType, false)
          .add("n", DataTypes.LongType, false)
          .add("pearson", DataTypes.DoubleType, true)
          .add("spearman", DataTypes.DoubleType, true)
          .add("spearman_exact", DataTypes.BooleanType, false);

  /** Values closer than this are one value for the rank tables (far below any real label step). */
  static final double EXACT_RESOLUTION = 1e-9;

  /**
   * @param messages needs the column labels (map name -> struct(value, count))
   * @param names the labels to correlate (every ordered pair of distinct names is one output row,
   *     both directions, plus the diagonal)
   * @param coarse per name, whether to round its values for Spearman
   */
  public static Dataset<Row> matrix(
      Dataset<Row> messages, List<String> names, Map<String, Boolean> coarse, int coarseGrid) {
    SparkSession spark = messages.sparkSession();
    int l = names.size();
    if (l == 0) return spark.createDataFrame(List.of(), SCHEMA);
    double[] step = new double[l];
    for (int i = 0; i < l; i++)
      step[i] = coarse.getOrDefault(names.get(i), false) ? 1.0 / coarseGrid : EXACT_RESOLUTION;
    String[] nameArray = names.toArray(String[]::new);

    // Partition results are merged in partition order on the driver, so that the floating-point
    // sums, and with them the output's fingerprint, are the same on every run.
    // The values are looked up in Spark's binary maps and handed over as plain doubles (null: no
    // label or no value): turning every map into a Java map cost several times more than the scan.
    Column[] valueColumns = new Column[l];
    for (int i = 0; i < l; i++)
      valueColumns[i] = element_at(col("labels"), nameArray[i]).getField("value");
    List<scala.Tuple2<Integer, Accumulator>> parts =
        messages
            .filter(col("labels").isNotNull())
            .select(valueColumns)
            .javaRDD()
            .mapPartitionsWithIndex(
                (Integer index, Iterator<Row> rows) -> {
                  Accumulator acc = new Accumulator(l);
                  double[] values = new double[l];
                  boolean[] present = new boolean[l];
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    for (int i = 0; i < l; i++) {
                      present[i] = !r.isNullAt(i);
                      if (present[i]) values[i] = r.getDouble(i);
                    }
                    acc.add(values, present, step);
                  }
                  return List.of(new scala.Tuple2<>(index, acc)).iterator();
                },
                false)
            .collect();
    List<scala.Tuple2<Integer, Accumulator>> ordered = new ArrayList<>(parts);
    ordered.sort(java.util.Comparator.comparing(t -> t._1()));
    Accumulator total = new Accumulator(l);
    List<Map<Long, Map<Long, Long>>> tables = emptyTables(l * (l + 1) / 2);
    for (scala.Tuple2<Integer, Accumulator> t : ordered) {
      total.merge(t._2());
      mergeTables(tables, asShipped(t._2().boxedTables()));
    }
    return spark.createDataFrame(rows(names, total.n, total.sums, tables, step), SCHEMA);
  }

  /**
   * The matrix rows (every ordered pair of names, both directions and the diagonal) from the merged
   * per-pair counts, Pearson sums and joint tables, indexed by {@link Accumulator#pairIndex}.
   */
  static List<Row> rows(
      List<String> names, long[] n, double[][] sums, List<Map<Long, Map<Long, Long>>> tables,
      double[] step) {
    int l = names.size();
    List<Row> out = new ArrayList<>();
    for (int a = 0; a < l; a++)
      for (int b = 0; b < l; b++) {
        int lo = Math.min(a, b), hi = Math.max(a, b);
        int p = Accumulator.pairIndex(lo, hi, l);
        Double pearson = pearson(n[p], sums[p]);
        Double spearman = spearman(tables.get(p));
        boolean exact = step[a] == EXACT_RESOLUTION && step[b] == EXACT_RESOLUTION;
        out.add(RowFactory.create(names.get(a), names.get(b), n[p], pearson, spearman, exact));
      }
    return out;
  }

  /*
   * The Spearman sums run over hash maps, and their order of iteration moves the last bits of the
   * coefficient. The joint tables were formerly boxed hash maps filled per partition, shipped to the
   * driver and merged there; they are rebuilt the same way here (cells inserted in order of first
   * appearance, sent through Spark's serializer, merged in partition order), so the coefficients
   * and the output's fingerprint stay exactly what they were.
   */
  static List<Map<Long, Map<Long, Long>>> emptyTables(int pairs) {
    List<Map<Long, Map<Long, Long>>> out = new ArrayList<>(pairs);
    for (int p = 0; p < pairs; p++) out.add(new HashMap<>());
    return out;
  }

  private static void mergeTables(
      List<Map<Long, Map<Long, Long>>> into, List<Map<Long, Map<Long, Long>>> other) {
    for (int p = 0; p < into.size(); p++) {
      Map<Long, Map<Long, Long>> mine = into.get(p);
      for (Map.Entry<Long, Map<Long, Long>> e : other.get(p).entrySet()) {
        Map<Long, Long> row = mine.computeIfAbsent(e.getKey(), k -> new HashMap<>());
        e.getValue().forEach((k, v) -> row.merge(k, v, Long::sum));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<Long, Map<Long, Long>>> asShipped(List<Map<Long, Map<Long, Long>>> tables) {
    org.apache.spark.serializer.SerializerInstance ser =
        org.apache.spark.SparkEnv.get().serializer().newInstance();
    scala.reflect.ClassTag<Object> tag = scala.reflect.ClassTag$.MODULE$.AnyRef();
    return (List<Map<Long, Map<Long, Long>>>) ser.deserialize(ser.serialize(tables, tag), tag);
  }

  /** sums = {sx, sy, sxx, syy, sxy} over the pair's x (lower index) and y; null if undefined. */
  static Double pearson(long n, double[] s) {
    if (n < 2) return null;
    double cov = s[4] - s[0] * s[1] / n;
    double vx = s[2] - s[0] * s[0] / n;
    double vy = s[3] - s[1] * s[1] / n;
    if (vx <= 1e-12 * Math.max(1, s[2]) || vy <= 1e-12 * Math.max(1, s[3])) return null;
    return clamp(cov / Math.sqrt(vx * vy));
  }

  /** Pearson over mid-ranks from a joint frequency table {(x key, y key) -> count}. */
  static Double spearman(Map<Long, Map<Long, Long>> cells) {
    TreeMap<Long, Long> xCounts = new TreeMap<>();
    TreeMap<Long, Long> yCounts = new TreeMap<>();
    long n = 0;
    for (Map.Entry<Long, Map<Long, Long>> e : cells.entrySet())
      for (Map.Entry<Long, Long> f : e.getValue().entrySet()) {
        xCounts.merge(e.getKey(), f.getValue(), Long::sum);
        yCounts.merge(f.getKey(), f.getValue(), Long::sum);
        n += f.getValue();
      }
    if (n < 2) return null;
    Map<Long, Double> xRank = midRanks(xCounts);
    Map<Long, Double> yRank = midRanks(yCounts);
    double[] s = new double[5];
    for (Map.Entry<Long, Map<Long, Long>> e : cells.entrySet())
      for (Map.Entry<Long, Long> f : e.getValue().entrySet()) {
        double x = xRank.get(e.getKey()), y = yRank.get(f.getKey()), c = f.getValue();
        s[0] += c * x;
        s[1] += c * y;
        s[2] += c * x * x;
        s[3] += c * y * y;
        s[4] += c * x * y;
      }
    return pearson(n, s);
  }

  private static Map<Long, Double> midRanks(TreeMap<Long, Long> counts) {
    Map<Long, Double> ranks = new HashMap<>();
    long before = 0;
    for (Map.Entry<Long, Long> e : counts.entrySet()) {
      ranks.put(e.getKey(), before + (e.getValue() + 1) / 2.0);
      before += e.getValue();
    }
    return ranks;
  }

  private static double clamp(double r) {
    return Math.max(-1, Math.min(1, r));
  }

  /**
   * Per pair (i <= j): n, exact Pearson sums and the joint table of rounded values. The per-row
   * work is on primitive tables: each label's rounded values get a small index in order of first
   * appearance, and each pair counts (x index, y index) in an open-addressing map, since boxed hash
   * maps updated for every pair of every message cost several times the scan.
   */
  static final class Accumulator implements Serializable {
    final int labels;
    final long[] n;
    final double[][] sums;
    /** Per label: rounded value -> index, and index -> rounded value. */
    final LongLongMap[] index;
    final long[][] keyOf;
    final int[] distinct;
    /** Per pair: (x index << 32 | y index) -> messages. */
    final LongLongMap[] cells;

    Accumulator(int labels) {
      this.labels = labels;
      int pairs = labels * (labels + 1) / 2;
      n = new long[pairs];
      sums = new double[pairs][5];
      index = new LongLongMap[labels];
      keyOf = new long[labels][];
      distinct = new int[labels];
      for (int i = 0; i < labels; i++) {
        index[i] = new LongLongMap();
        keyOf[i] = new long[8];
      }
      cells = new LongLongMap[pairs];
      for (int p = 0; p < pairs; p++) cells[p] = new LongLongMap();
    }

    static int pairIndex(int i, int j, int labels) {
      // Row-major upper triangle including the diagonal.
      return i * labels - i * (i - 1) / 2 + (j - i);
    }

    private long indexOf(int label, long key) {
      long idx = index[label].get(key, -1);
      if (idx >= 0) return idx;
      idx = distinct[label]++;
      index[label].put(key, idx);
      if (idx == keyOf[label].length) keyOf[label] = Arrays.copyOf(keyOf[label], keyOf[label].length * 2);
      keyOf[label][(int) idx] = key;
      return idx;
    }

    void add(double[] values, boolean[] present, double[] step) {
      long[] idx = new long[labels];
      for (int i = 0; i < labels; i++)
        if (present[i]) idx[i] = indexOf(i, Math.round(values[i] / step[i]));
      for (int i = 0; i < labels; i++) {
        if (!present[i]) continue;
        for (int j = i; j < labels; j++) {
          if (!present[j]) continue;
          int p = pairIndex(i, j, labels);
          double x = values[i], y = values[j];
          n[p]++;
          double[] s = sums[p];
          s[0] += x;
          s[1] += y;
          s[2] += x * x;
          s[3] += y * y;
          s[4] += x * y;
          cells[p].add((idx[i] << 32) | idx[j], 1);
        }
      }
    }

    /** Adds the counts and Pearson sums of {@code other} (the joint tables: {@link #boxedTables}). */
    Accumulator merge(Accumulator other) {
      for (int p = 0; p < n.length; p++) {
        n[p] += other.n[p];
        for (int k = 0; k < 5; k++) sums[p][k] += other.sums[p][k];
      }
      return this;
    }

    /** Per pair (i, j), x key -> y key -> messages, cells inserted in order of first appearance. */
    List<Map<Long, Map<Long, Long>>> boxedTables() {
      List<Map<Long, Map<Long, Long>>> out = emptyTables(cells.length);
      for (int i = 0; i < labels; i++)
        for (int j = i; j < labels; j++) {
          Map<Long, Map<Long, Long>> table = out.get(pairIndex(i, j, labels));
          final int a = i, b = j;
          cells[pairIndex(i, j, labels)].forEach((cell, count) ->
              table.computeIfAbsent(keyOf[a][(int) (cell >>> 32)], k -> new HashMap<>())
                  .merge(keyOf[b][(int) (cell & 0xFFFFFFFFL)], count, Long::sum));
        }
      return out;
    }
  }

  /** Open addressing from long keys to long values (linear probing, no removal). */
  static final class LongLongMap implements Serializable {
    private long[] keys = new long[16];
    private long[] values = new long[16];
    private boolean[] used = new boolean[16];
    private int size;
    /** Keys in order of first insertion. */
    private long[] order = new long[16];

    long get(long key, long missing) {
      int mask = keys.length - 1;
      for (int h = slot(key, mask); used[h]; h = (h + 1) & mask) if (keys[h] == key) return values[h];
      return missing;
    }

    void put(long key, long value) {
      int h = find(key);
      if (!used[h]) {
        used[h] = true;
        keys[h] = key;
        append(key);
      }
      values[h] = value;
      if (size * 2 > keys.length) grow();
    }

    void add(long key, long delta) {
      int h = find(key);
      if (!used[h]) {
        used[h] = true;
        keys[h] = key;
        values[h] = 0;
        append(key);
      }
      values[h] += delta;
      if (size * 2 > keys.length) grow();
    }

    interface Entry {
      void accept(long key, long value);
    }

    /** In order of first insertion. */
    void forEach(Entry e) {
      for (int i = 0; i < size; i++) e.accept(order[i], get(order[i], 0));
    }

    private void append(long key) {
      if (size == order.length) order = Arrays.copyOf(order, size * 2);
      order[size++] = key;
    }

    private int find(long key) {
      int mask = keys.length - 1;
      int h = slot(key, mask);
      while (used[h] && keys[h] != key) h = (h + 1) & mask;
      return h;
    }

    /** Murmur3's 64-bit finalizer (see {@link LabelTally}: a product alone clusters these keys). */
    private static int slot(long key, int mask) {
      return LabelTally.mix(key) & mask;
    }

    private void grow() {
      long[] k = keys, v = values;
      boolean[] u = used;
      keys = new long[k.length * 2];
      values = new long[k.length * 2];
      used = new boolean[k.length * 2];
      for (int h = 0; h < k.length; h++) {
        if (!u[h]) continue;
        int slot = find(k[h]);
        used[slot] = true;
        keys[slot] = k[h];
        values[slot] = v[h];
      }
    }
  }
}
