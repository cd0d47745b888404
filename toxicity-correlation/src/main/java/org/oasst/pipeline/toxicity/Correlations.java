package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Figure 3: every human label against every Detoxify category, pairwise complete, pooled over the
 * chosen languages (scope {@code all}) and per language (scope = the language code).
 *
 * <p>Pearson and point-biserial cells come out of one pass: each row adds its values, squares and
 * cross-products into per-scope arrays (one slot per label x category cell), summed across the
 * cluster; the same pass counts each label's distinct values. Spearman ranks then come from those
 * frequency tables and one distributed sort of the Detoxify scores ({@link PairwiseSpearman}), or,
 * when a label has too many distinct values to collect, from {@link MidRanks}.
 */
public final class Correlations {
  private Correlations() {}

  public static final String SCOPE_ALL = "all";

  public static final StructType SCHEMA =
      DataTypes.createStructType(
          new StructField[] {
            DataTypes.createStructField("scope", DataTypes.StringType, false),
            DataTypes.createStructField("label", DataTypes.StringType, false),
            DataTypes.createStructField("label_kind", DataTypes.StringType, false),
            DataTypes.createStructField("detoxify_category", DataTypes.StringType, false),
            DataTypes.createStructField("n", DataTypes.LongType, false),
            DataTypes.createStructField("pearson", DataTypes.DoubleType, true),
            DataTypes.createStructField("pearson_ci_low", DataTypes.DoubleType, true),
            DataTypes.createStructField("pearson_ci_high", DataTypes.DoubleType, true),
            DataTypes.createStructField("spearman", DataTypes.DoubleType, true),
            DataTypes.createStructField("point_biserial", DataTypes.DoubleType, true),
            DataTypes.createStructField("n_yes", DataTypes.LongType, true),
            DataTypes.createStructField("n_no", DataTypes.LongType, true),
            DataTypes.createStructField("mean_detoxify_yes", DataTypes.DoubleType, true),
            DataTypes.createStructField("mean_detoxify_no", DataTypes.DoubleType, true),
          });

  // Slots per cell in the aggregation arrays: the value sums, then the rank sums.
  private static final int N = 0, SX = 1, SY = 2, SXX = 3, SYY = 4, SXY = 5, N1 = 6, SY1 = 7, SLOTS = 8;
  private static final int RX = 0, RY = 1, RXX = 2, RYY = 3, RXY = 4, RANK_SLOTS = 5;

  /**
   * @param flat output of {@link ToxicityColumns#flatten} (or with predicted scores joined in)
   * @return one row per scope, label and category ({@link #SCHEMA}), scope {@code all} first
   */
  public static Dataset<Row> compute(Dataset<Row> flat, ToxicityOptions o) {
    List<String> labels = o.labels();
    List<String> cats = ToxicityColumns.DETOXIFY;
    List<String> lcols = labels.stream().map(ToxicityColumns::labelColumn).toList();
    List<String> dcols = cats.stream().map(ToxicityColumns::detoxColumn).toList();
    if (cats.size() > 10) throw new IllegalStateException("presence masks hold at most 10 Detoxify categories");

    Dataset<Row> in = flat;
    if (!o.languages().isEmpty()) in = in.where(col("lang").isin(o.languages().toArray()));
    List<Column> keep = new ArrayList<>();
    keep.add(col("lang"));
    for (String c : lcols) keep.add(col(c).cast("double"));
    for (String c : dcols) keep.add(col(c).cast("double"));
    int nl = lcols.size(), nd = dcols.size();
    // Each row counts once in the pooled scope and once in its language's scope; NaN marks missing.
    JavaRDD<PairwiseSpearman.ScopedRow> scoped =
        in.select(keep.toArray(Column[]::new))
            .toJavaRDD()
            .flatMap(
                r -> {
                  double[] x = new double[nl], y = new double[nd];
                  for (int i = 0; i < nl; i++) x[i] = r.isNullAt(1 + i) ? Double.NaN : r.getDouble(1 + i);
                  for (int j = 0; j < nd; j++) y[j] = r.isNullAt(1 + nl + j) ? Double.NaN : r.getDouble(1 + nl + j);
                  List<PairwiseSpearman.ScopedRow> out = new ArrayList<>(2);
                  out.add(new PairwiseSpearman.ScopedRow(SCOPE_ALL, x, y));
                  if (!r.isNullAt(0)) out.add(new PairwiseSpearman.ScopedRow(r.getString(0), x, y));
                  return out.iterator();
                });

    boolean ranks = o.spearman();
    double threshold = o.binaryThreshold();
    // One pass: value sums per cell and, for Spearman, the labels' value-frequency tables.
    Tuple2<Map<String, double[]>, PairwiseSpearman.FrequencyTables> pass =
        scoped
            .mapPartitions(
                it -> {
                  Map<String, double[]> acc = new HashMap<>();
                  PairwiseSpearman.FrequencyTables freq = new PairwiseSpearman.FrequencyTables();
                  while (it.hasNext()) {
                    PairwiseSpearman.ScopedRow r = it.next();
                    double[] a = acc.computeIfAbsent(r.scope(), k -> new double[nl * nd * SLOTS]);
                    int mask = ranks ? PairwiseSpearman.presenceMask(r.y()) : 0;
                    for (int i = 0; i < nl; i++) {
                      double x = r.x()[i];
                      if (Double.isNaN(x)) continue;
                      if (ranks && mask != 0) freq.add(r.scope(), i, mask, PairwiseSpearman.canonical(x));
                      for (int j = 0; j < nd; j++) {
                        double y = r.y()[j];
                        if (Double.isNaN(y)) continue;
                        int b = (i * nd + j) * SLOTS;
                        a[b + N] += 1;
                        a[b + SX] += x;
                        a[b + SY] += y;
                        a[b + SXX] += x * x;
                        a[b + SYY] += y * y;
                        a[b + SXY] += x * y;
                        if (x >= threshold) {
                          a[b + N1] += 1;
                          a[b + SY1] += y;
                        }
                      }
                    }
                  }
                  return List.of(new Tuple2<>(acc, freq)).iterator();
                })
            .fold(
                new Tuple2<>(new HashMap<>(), new PairwiseSpearman.FrequencyTables()),
                (p, q) -> {
                  Map<String, double[]> s = new HashMap<>(p._1());
                  q._1().forEach((k, v) -> s.merge(k, v, (u, w) -> {
                    double[] t = new double[u.length];
                    for (int m = 0; m < t.length; m++) t[m] = u[m] + w[m];
                    return t;
                  }));
                  return new Tuple2<>(s, p._2().merge(q._2()));
                });
    Map<String, double[]> sums = pass._1();

    Map<String, double[]> rankSums = Map.of();
    if (ranks) {
      PairwiseSpearman.FrequencyTables freq = pass._2();
      int parts = Math.max(1, Integer.parseInt(flat.sparkSession().conf().get("spark.sql.shuffle.partitions", "8")));
      if (freq.entries <= o.spearmanMaxLabelValues())
        rankSums = fastRankSums(scoped, freq, nl, nd, parts);
      else
        rankSums = midRankSums(in.select(keep.toArray(Column[]::new)), lcols, dcols);
    }

    List<String> scopes = new ArrayList<>(sums.keySet());
    scopes.sort((p, q) -> p.equals(SCOPE_ALL) ? -1 : q.equals(SCOPE_ALL) ? 1 : p.compareTo(q));
    List<Row> rows = new ArrayList<>();
    for (String scope : scopes) {
      double[] a = sums.get(scope);
      double[] rs = rankSums.getOrDefault(scope, new double[nl * nd * RANK_SLOTS]);
      for (int i = 0; i < nl; i++)
        for (int j = 0; j < nd; j++) {
          int c = i * nd + j;
          rows.add(cell(scope, labels.get(i), o.isBinary(labels.get(i)), cats.get(j), a, c * SLOTS, rs, c * RANK_SLOTS, ranks));
        }
    }
    return flat.sparkSession().createDataFrame(rows, SCHEMA);
  }

  /**
   * Rank sums from the labels' frequency tables and one sorted sweep per Detoxify category (see
   * {@link PairwiseSpearman}).
   */
  private static Map<String, double[]> fastRankSums(
      JavaRDD<PairwiseSpearman.ScopedRow> scoped, PairwiseSpearman.FrequencyTables freq, int nl, int nd, int parts) {
    Map<String, long[][]> n = new HashMap<>();
    Map<String, HashMap<Double, Double>[][]> xr = PairwiseSpearman.labelRanks(freq, nl, nd, n);
    Map<String, double[]> sweep = PairwiseSpearman.detoxifySums(scoped, nl, nd, xr, n, parts);
    Map<String, double[]> out = new HashMap<>();
    for (Map.Entry<String, HashMap<Double, Double>[][]> e : xr.entrySet()) {
      String scope = e.getKey();
      double[] rs = new double[nl * nd * RANK_SLOTS];
      double[] sw = sweep.getOrDefault(scope, new double[nl * nd * PairwiseSpearman.SLOTS]);
      Map<Integer, HashMap<Double, Long>> tables = freq.byScope.get(scope);
      for (int i = 0; i < nl; i++)
        for (int j = 0; j < nd; j++) {
          int c = i * nd + j;
          HashMap<Double, Double> rank = e.getValue()[i][j];
          double sx = 0, sxx = 0;
          for (Map.Entry<Integer, HashMap<Double, Long>> t : tables.entrySet()) {
            if (t.getKey() / 1024 != i || (t.getKey() % 1024 & (1 << j)) == 0) continue;
            for (Map.Entry<Double, Long> v : t.getValue().entrySet()) {
              double r = rank.get(v.getKey());
              sx += v.getValue() * r;
              sxx += v.getValue() * r * r;
            }
          }
          rs[c * RANK_SLOTS + RX] = sx;
          rs[c * RANK_SLOTS + RXX] = sxx;
          rs[c * RANK_SLOTS + RY] = sw[c * PairwiseSpearman.SLOTS + PairwiseSpearman.RY];
          rs[c * RANK_SLOTS + RYY] = sw[c * PairwiseSpearman.SLOTS + PairwiseSpearman.RYY];
          rs[c * RANK_SLOTS + RXY] = sw[c * PairwiseSpearman.SLOTS + PairwiseSpearman.RXY];
        }
      out.put(scope, rs);
    }
    return out;
  }

  /**
   * Rank sums through {@link MidRanks} (every column ranked against every partner): the general
   * path, for labels with more distinct values than the frequency tables may hold.
   */
  private static Map<String, double[]> midRankSums(Dataset<Row> in, List<String> lcols, List<String> dcols) {
    Dataset<Row> scoped =
        in.withColumn("scope", lit(SCOPE_ALL))
            .unionByName(in.where(col("lang").isNotNull()).withColumn("scope", col("lang")))
            .drop("lang");
    java.util.LinkedHashMap<String, List<String>> partners = new java.util.LinkedHashMap<>();
    for (String l : lcols) partners.put(l, dcols);
    for (String d : dcols) partners.put(d, lcols);
    scoped = MidRanks.addCenteredRanks(scoped, "scope", partners);
    List<String> fieldNames = List.of(scoped.columns());
    int nl = lcols.size(), nd = dcols.size();
    int scopeIdx = fieldNames.indexOf("scope");
    int[] xIdx = new int[nl], yIdx = new int[nd];
    int[][] rxIdx = new int[nl][nd], ryIdx = new int[nl][nd];
    for (int i = 0; i < nl; i++) xIdx[i] = fieldNames.indexOf(lcols.get(i));
    for (int j = 0; j < nd; j++) yIdx[j] = fieldNames.indexOf(dcols.get(j));
    for (int i = 0; i < nl; i++)
      for (int j = 0; j < nd; j++) {
        rxIdx[i][j] = fieldNames.indexOf(MidRanks.rankColumn(lcols.get(i), dcols.get(j)));
        ryIdx[i][j] = fieldNames.indexOf(MidRanks.rankColumn(dcols.get(j), lcols.get(i)));
      }
    JavaPairRDD<String, double[]> partial =
        scoped.toJavaRDD()
            .mapPartitionsToPair(
                rows -> {
                  Map<String, double[]> acc = new HashMap<>();
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    double[] a = acc.computeIfAbsent(r.getString(scopeIdx), k -> new double[nl * nd * RANK_SLOTS]);
                    for (int i = 0; i < nl; i++) {
                      if (r.isNullAt(xIdx[i])) continue;
                      for (int j = 0; j < nd; j++) {
                        if (r.isNullAt(yIdx[j])) continue;
                        double rx = r.getDouble(rxIdx[i][j]);
                        double ry = r.getDouble(ryIdx[i][j]);
                        int b = (i * nd + j) * RANK_SLOTS;
                        a[b + RX] += rx;
                        a[b + RY] += ry;
                        a[b + RXX] += rx * rx;
                        a[b + RYY] += ry * ry;
                        a[b + RXY] += rx * ry;
                      }
                    }
                  }
                  List<Tuple2<String, double[]>> out = new ArrayList<>();
                  acc.forEach((k, v) -> out.add(new Tuple2<>(k, v)));
                  return out.iterator();
                });
    return new HashMap<>(
        partial.reduceByKey(
                (p, q) -> {
                  double[] s = new double[p.length];
                  for (int k = 0; k < s.length; k++) s[k] = p[k] + q[k];
                  return s;
                })
            .collectAsMap());
  }

  private static Row cell(
      String scope, String label, boolean binary, String cat, double[] a, int b, double[] rs, int rb, boolean ranks) {
    double n = a[b + N];
    double r = Stats.pearson(n, a[b + SX], a[b + SY], a[b + SXX], a[b + SYY], a[b + SXY]);
    double[] ci = Stats.fisherInterval(r, n);
    double rho = ranks ? Stats.pearson(n, rs[rb + RX], rs[rb + RY], rs[rb + RXX], rs[rb + RYY], rs[rb + RXY]) : Double.NaN;
    Double pb = null, meanYes = null, meanNo = null;
    Long nYes = null, nNo = null;
    if (binary) {
      double n1 = a[b + N1], sy1 = a[b + SY1];
      // Point-biserial r is Pearson's r against the 0/1 indicator of "flagged by at least the
      // threshold share of reviewers"; the indicator's sum and sum of squares are both n1.
      pb = Stats.orNull(Stats.pearson(n, n1, a[b + SY], n1, a[b + SYY], sy1));
      nYes = (long) n1;
      nNo = (long) (n - n1);
      meanYes = n1 > 0 ? sy1 / n1 : null;
      meanNo = n - n1 > 0 ? (a[b + SY] - sy1) / (n - n1) : null;
    }
    return RowFactory.create(
        scope, label, binary ? "binary" : "likert", cat, (long) n,
        Stats.orNull(r), Stats.orNull(ci[0]), Stats.orNull(ci[1]), Stats.orNull(rho),
        pb, nYes, nNo, meanYes, meanNo);
  }
}
