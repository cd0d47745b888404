package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Table 2: mean of each Detoxify category (and each human label) for deleted and for retained
 * messages, with Welch's t-test and a seeded bootstrap interval of the difference.
 *
 * <p>One aggregation does it all: messages are hashed (seeded, by message id) into {@link #BUCKETS}
 * random buckets and each bucket sums n, sum and sum of squares per group and metric. Exact moments
 * are the sums over buckets; the bootstrap reweights buckets with seeded Poisson(1) weights on the
 * driver. Because buckets are random sets of messages, resampling them resamples messages (a
 * grouped Poisson bootstrap), and no per-row random draws are needed.
 */
public final class DeletedVsRetained {
  private DeletedVsRetained() {}

  public static final int BUCKETS = 1024;

  public static final StructType SCHEMA =
      DataTypes.createStructType(
          new StructField[] {
            DataTypes.createStructField("metric", DataTypes.StringType, false),
            DataTypes.createStructField("metric_kind", DataTypes.StringType, false),
            DataTypes.createStructField("n_deleted", DataTypes.LongType, false),
            DataTypes.createStructField("mean_deleted", DataTypes.DoubleType, true),
            DataTypes.createStructField("n_retained", DataTypes.LongType, false),
            DataTypes.createStructField("mean_retained", DataTypes.DoubleType, true),
            DataTypes.createStructField("difference", DataTypes.DoubleType, true),
            DataTypes.createStructField("welch_t", DataTypes.DoubleType, true),
            DataTypes.createStructField("welch_df", DataTypes.DoubleType, true),
            DataTypes.createStructField("p_value", DataTypes.DoubleType, true),
            DataTypes.createStructField("bootstrap_low", DataTypes.DoubleType, true),
            DataTypes.createStructField("bootstrap_high", DataTypes.DoubleType, true),
            DataTypes.createStructField("bootstrap_replicates", DataTypes.IntegerType, false),
            DataTypes.createStructField("note", DataTypes.StringType, true),
          });

  /** Messages outside the scope, or whose deletion flag is missing, do not count; see {@link #scopeSummary}. */
  public static Dataset<Row> inScope(Dataset<Row> flat, ToxicityOptions o) {
    Dataset<Row> in = flat;
    if (!o.languages().isEmpty()) in = in.where(col("lang").isin(o.languages().toArray()));
    if (!o.deletedTreeStates().isEmpty()) in = in.where(col("tree_state").isin(o.deletedTreeStates().toArray()));
    return in;
  }

  static Column deletedFlag(ToxicityOptions o) {
    Column d = col("deleted").equalTo(lit(true));
    if (o.rejectedCountsAsDeleted()) d = d.or(col("review_result").equalTo(lit(false)));
    return d;
  }

  public static Dataset<Row> compute(Dataset<Row> flat, ToxicityOptions o) {
    List<String> metrics = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    for (String c : ToxicityColumns.DETOXIFY) {
      metrics.add(c);
      kinds.add("detoxify");
    }
    for (String l : o.labels()) {
      metrics.add(l);
      kinds.add("label");
    }
    List<String> cols = new ArrayList<>();
    for (String c : ToxicityColumns.DETOXIFY) cols.add(ToxicityColumns.detoxColumn(c));
    for (String l : o.labels()) cols.add(ToxicityColumns.labelColumn(l));

    Dataset<Row> in = inScope(flat, o).where(col("deleted").isNotNull());
    Column bucket = pmod(xxhash64(col("message_id"), lit(o.bootstrapSeed())), lit((long) BUCKETS)).as("bucket");
    Column group = when(deletedFlag(o), lit(1)).otherwise(lit(0)).as("grp");
    List<Column> aggs = new ArrayList<>();
    for (int m = 0; m < cols.size(); m++) {
      Column v = col(cols.get(m));
      aggs.add(count(v).as("n" + m));
      aggs.add(sum(v).as("s" + m));
      aggs.add(sum(v.multiply(v)).as("q" + m));
    }
    List<Row> buckets =
        in.groupBy(bucket, group)
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
            .collectAsList();

    // moments[m][g][k][0..2] = n, sum, sum of squares for metric m, group g, bucket k
    int nm = cols.size();
    double[][][][] moments = new double[nm][2][BUCKETS][3];
    for (Row r : buckets) {
      int k = (int) r.getLong(0);
      int g = r.getInt(1);
      for (int m = 0; m < nm; m++) {
        moments[m][g][k][0] = r.getLong(2 + 3 * m);
        moments[m][g][k][1] = r.isNullAt(3 + 3 * m) ? 0 : r.getDouble(3 + 3 * m);
        moments[m][g][k][2] = r.isNullAt(4 + 3 * m) ? 0 : r.getDouble(4 + 3 * m);
      }
    }

    int replicates = o.bootstrapReplicates();
    double[][] weights = poissonWeights(replicates, o.bootstrapSeed());

    List<Row> out = new ArrayList<>();
    for (int m = 0; m < nm; m++) {
      double[] tot0 = total(moments[m][0]);
      double[] tot1 = total(moments[m][1]);
      double nDel = tot1[0], nRet = tot0[0];
      Double meanDel = nDel > 0 ? tot1[1] / nDel : null;
      Double meanRet = nRet > 0 ? tot0[1] / nRet : null;
      Double diff = meanDel != null && meanRet != null ? meanDel - meanRet : null;
      Stats.Welch w =
          Stats.welch(nDel, nDel > 0 ? tot1[1] / nDel : Double.NaN, Stats.variance(nDel, tot1[1], tot1[2]),
              nRet, nRet > 0 ? tot0[1] / nRet : Double.NaN, Stats.variance(nRet, tot0[1], tot0[2]));
      Double low = null, high = null;
      if (diff != null && replicates > 0) {
        double[] diffs = new double[replicates];
        int used = 0;
        for (int b = 0; b < replicates; b++) {
          double n1 = 0, s1 = 0, n0 = 0, s0 = 0;
          for (int k = 0; k < BUCKETS; k++) {
            double wk = weights[b][k];
            if (wk == 0) continue;
            n1 += wk * moments[m][1][k][0];
            s1 += wk * moments[m][1][k][1];
            n0 += wk * moments[m][0][k][0];
            s0 += wk * moments[m][0][k][1];
          }
          // A replicate that drew no message of one group has no difference; it is left out.
          if (n1 > 0 && n0 > 0) diffs[used++] = s1 / n1 - s0 / n0;
        }
        double[] sorted = Arrays.copyOf(diffs, used);
        Arrays.sort(sorted);
        low = Stats.orNull(Stats.quantile(sorted, 0.025));
        high = Stats.orNull(Stats.quantile(sorted, 0.975));
      }
      String note = null;
      if (nDel == 0 && nRet == 0) note = "no messages with this value in scope";
      else if (nDel == 0) note = "no deleted messages in scope " + scopeDescription(o);
      else if (nRet == 0) note = "no retained messages in scope " + scopeDescription(o);
      out.add(RowFactory.create(metrics.get(m), kinds.get(m), (long) nDel, meanDel, (long) nRet, meanRet, diff,
          Stats.orNull(w.t()), Stats.orNull(w.df()), Stats.orNull(w.pValue()), low, high, replicates, note));
    }
    return flat.sparkSession().createDataFrame(out, SCHEMA);
  }

  public static String scopeDescription(ToxicityOptions o) {
    return "(tree states " + (o.deletedTreeStates().isEmpty() ? "any" : o.deletedTreeStates())
        + ", languages " + (o.languages().isEmpty() ? "any" : o.languages()) + ")";
  }

  /**
   * Counts behind the table: messages in scope, deleted, retained, and those left out because their
   * deletion flag is missing (a missing flag is neither deleted nor retained).
   */
  public static Row scopeSummary(Dataset<Row> flat, ToxicityOptions o) {
    Dataset<Row> in = inScope(flat, o);
    Row r =
        in.agg(
                count(lit(1)),
                sum(when(col("deleted").isNull(), 1L).otherwise(0L)),
                sum(when(col("deleted").isNotNull().and(deletedFlag(o)), 1L).otherwise(0L)),
                sum(when(col("deleted").isNotNull().and(col("score_source").isNotNull()), 1L).otherwise(0L)))
            .first();
    return r;
  }

  private static double[] total(double[][] perBucket) {
    double[] t = new double[3];
    for (double[] b : perBucket) for (int i = 0; i < 3; i++) t[i] += b[i];
    return t;
  }

  /** weights[b][k] ~ Poisson(1), seeded; the same draws for every metric so the replicates agree. */
  static double[][] poissonWeights(int replicates, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] w = new double[replicates][BUCKETS];
    double limit = Math.exp(-1.0);
    for (int b = 0; b < replicates; b++)
      for (int k = 0; k < BUCKETS; k++) {
        int draws = 0;
        double p = rnd.nextDouble();
        while (p > limit) {
          draws++;
          p *= rnd.nextDouble();
        }
        w[b][k] = draws;
      }
    return w;
  }
}
