package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
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
 * <p>All cells come out of one pass: each row adds its values, squares, cross-products and ranks into
 * per-scope arrays (one slot per label x category cell), and the arrays are summed across the
 * cluster. Ranks come from {@link MidRanks}, one distributed sort per column.
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

  // Slots per cell in the aggregation arrays.
  private static final int N = 0, SX = 1, SY = 2, SXX = 3, SYY = 4, SXY = 5;
  private static final int RX = 6, RY = 7, RXX = 8, RYY = 9, RXY = 10, N1 = 11, SY1 = 12, SLOTS = 13;

  /**
   * @param flat output of {@link ToxicityColumns#flatten} (or with predicted scores joined in)
   * @return one row per scope, label and category ({@link #SCHEMA}), scope {@code all} first
   */
  public static Dataset<Row> compute(Dataset<Row> flat, ToxicityOptions o) {
    List<String> labels = o.labels();
    List<String> cats = ToxicityColumns.DETOXIFY;
    List<String> lcols = labels.stream().map(ToxicityColumns::labelColumn).toList();
    List<String> dcols = cats.stream().map(ToxicityColumns::detoxColumn).toList();

    Dataset<Row> in = flat;
    if (!o.languages().isEmpty()) in = in.where(col("lang").isin(o.languages().toArray()));
    List<Column> keep = new ArrayList<>();
    keep.add(col("lang"));
    for (String c : lcols) keep.add(col(c));
    for (String c : dcols) keep.add(col(c));
    in = in.select(keep.toArray(Column[]::new));
    // Each row counts once in the pooled scope and once in its language's scope.
    Dataset<Row> scoped =
        in.withColumn("scope", lit(SCOPE_ALL))
            .unionByName(in.where(col("lang").isNotNull()).withColumn("scope", col("lang")))
            .drop("lang");

    java.util.LinkedHashMap<String, List<String>> partners = new java.util.LinkedHashMap<>();
    for (String l : lcols) partners.put(l, dcols);
    for (String d : dcols) partners.put(d, lcols);
    boolean ranks = o.spearman();
    if (ranks) scoped = MidRanks.addCenteredRanks(scoped, "scope", partners);

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
    double threshold = o.binaryThreshold();

    JavaPairRDD<String, double[]> partial =
        scoped.toJavaRDD()
            .mapPartitionsToPair(
                rows -> {
                  Map<String, double[]> acc = new java.util.HashMap<>();
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    double[] a = acc.computeIfAbsent(r.getString(scopeIdx), k -> new double[nl * nd * SLOTS]);
                    for (int i = 0; i < nl; i++) {
                      if (r.isNullAt(xIdx[i])) continue;
                      double x = r.getDouble(xIdx[i]);
                      for (int j = 0; j < nd; j++) {
                        if (r.isNullAt(yIdx[j])) continue;
                        double y = r.getDouble(yIdx[j]);
                        double rx = ranks ? r.getDouble(rxIdx[i][j]) : 0;
                        double ry = ranks ? r.getDouble(ryIdx[i][j]) : 0;
                        int b = (i * nd + j) * SLOTS;
                        a[b + N] += 1;
                        a[b + SX] += x;
                        a[b + SY] += y;
                        a[b + SXX] += x * x;
                        a[b + SYY] += y * y;
                        a[b + SXY] += x * y;
                        a[b + RX] += rx;
                        a[b + RY] += ry;
                        a[b + RXX] += rx * rx;
                        a[b + RYY] += ry * ry;
                        a[b + RXY] += rx * ry;
                        if (x >= threshold) {
                          a[b + N1] += 1;
                          a[b + SY1] += y;
                        }
                      }
                    }
                  }
                  List<Tuple2<String, double[]>> out = new ArrayList<>();
                  acc.forEach((k, v) -> out.add(new Tuple2<>(k, v)));
                  return out.iterator();
                });
    Map<String, double[]> sums =
        partial.reduceByKey(
                (p, q) -> {
                  double[] s = new double[p.length];
                  for (int k = 0; k < s.length; k++) s[k] = p[k] + q[k];
                  return s;
                })
            .collectAsMap();

    List<String> scopes = new ArrayList<>(sums.keySet());
    scopes.sort((p, q) -> p.equals(SCOPE_ALL) ? -1 : q.equals(SCOPE_ALL) ? 1 : p.compareTo(q));
    List<Row> rows = new ArrayList<>();
    for (String scope : scopes) {
      double[] a = sums.get(scope);
      for (int i = 0; i < nl; i++)
        for (int j = 0; j < nd; j++) rows.add(cell(scope, labels.get(i), o.isBinary(labels.get(i)), cats.get(j), a, (i * nd + j) * SLOTS, o.spearman()));
    }
    return flat.sparkSession().createDataFrame(rows, SCHEMA);
  }

  private static Row cell(String scope, String label, boolean binary, String cat, double[] a, int b, boolean ranks) {
    double n = a[b + N];
    double r = Stats.pearson(n, a[b + SX], a[b + SY], a[b + SXX], a[b + SYY], a[b + SXY]);
    double[] ci = Stats.fisherInterval(r, n);
    double rho = ranks ? Stats.pearson(n, a[b + RX], a[b + RY], a[b + RXX], a[b + RYY], a[b + RXY]) : Double.NaN;
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
