package org.oasst.pipeline.quality.labels;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
  private static final double EXACT_RESOLUTION = 1e-9;

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
    List<scala.Tuple2<Integer, Accumulator>> parts =
        messages
            .select(col("labels"))
            .filter(col("labels").isNotNull())
            .javaRDD()
            .mapPartitionsWithIndex(
                (Integer index, Iterator<Row> rows) -> {
                  Accumulator acc = new Accumulator(l);
                  double[] values = new double[l];
                  boolean[] present = new boolean[l];
                  while (rows.hasNext()) {
                    Map<String, Row> labels = rows.next().getJavaMap(0);
                    for (int i = 0; i < l; i++) {
                      Row lv = labels.get(nameArray[i]);
                      present[i] = lv != null && !lv.isNullAt(0);
                      if (present[i]) values[i] = lv.getDouble(0);
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
    for (scala.Tuple2<Integer, Accumulator> t : ordered) total.merge(t._2());

    List<Row> out = new ArrayList<>();
    for (int a = 0; a < l; a++)
      for (int b = 0; b < l; b++) {
        int lo = Math.min(a, b), hi = Math.max(a, b);
        int p = Accumulator.pairIndex(lo, hi, l);
        long n = total.n[p];
        Double pearson = pearson(n, total.sums[p]);
        Double spearman = spearman(total.cells.get(p));
        boolean exact = step[a] == EXACT_RESOLUTION && step[b] == EXACT_RESOLUTION;
        out.add(RowFactory.create(names.get(a), names.get(b), n, pearson, spearman, exact));
      }
    return spark.createDataFrame(out, SCHEMA);
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

  /** Per pair (i <= j): n, exact Pearson sums and the joint table of rounded values. */
  static final class Accumulator implements Serializable {
    final int labels;
    final long[] n;
    final double[][] sums;
    final List<Map<Long, Map<Long, Long>>> cells;

    Accumulator(int labels) {
      this.labels = labels;
      int pairs = labels * (labels + 1) / 2;
      n = new long[pairs];
      sums = new double[pairs][5];
      cells = new ArrayList<>(pairs);
      for (int p = 0; p < pairs; p++) cells.add(new HashMap<>());
    }

    static int pairIndex(int i, int j, int labels) {
      // Row-major upper triangle including the diagonal.
      return i * labels - i * (i - 1) / 2 + (j - i);
    }

    void add(double[] values, boolean[] present, double[] step) {
      for (int i = 0; i < labels; i++) {
        if (!present[i]) continue;
        long ki = Math.round(values[i] / step[i]);
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
          long kj = Math.round(values[j] / step[j]);
          cells.get(p).computeIfAbsent(ki, k -> new HashMap<>()).merge(kj, 1L, Long::sum);
        }
      }
    }

    Accumulator merge(Accumulator other) {
      for (int p = 0; p < n.length; p++) {
        n[p] += other.n[p];
        for (int k = 0; k < 5; k++) sums[p][k] += other.sums[p][k];
        Map<Long, Map<Long, Long>> mine = cells.get(p);
        for (Map.Entry<Long, Map<Long, Long>> e : other.cells.get(p).entrySet()) {
          Map<Long, Long> row = mine.computeIfAbsent(e.getKey(), k -> new HashMap<>());
          e.getValue().forEach((k, v) -> row.merge(k, v, Long::sum));
        }
      }
      return this;
    }
  }
}
