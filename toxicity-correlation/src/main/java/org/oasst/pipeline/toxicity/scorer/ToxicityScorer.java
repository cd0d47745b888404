package org.oasst.pipeline.toxicity.scorer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.toxicity.Stats;
import org.oasst.pipeline.toxicity.ToxicityOptions;
import org.oasst.pipeline.toxicity.ToxicityOptions.ScorerOptions;
import org.oasst.pipeline.core.schema.Tables;

/** Spark side of the scorer: the split by tree, the bounded training sample, evaluation, scoring. */
public final class ToxicityScorer {
  private ToxicityScorer() {}

  public static final List<String> CATEGORIES = Tables.DETOXIFY_CATEGORIES;
  public static final String OBSERVED = "observed";
  public static final String PREDICTED = "predicted";

  /** message_id, the seven categories, score_source (observed / predicted). */
  public static final StructType SCORES_SCHEMA;

  static {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("message_id", DataTypes.StringType, false));
    for (String c : CATEGORIES) f.add(DataTypes.createStructField(c, DataTypes.DoubleType, true));
    f.add(DataTypes.createStructField("score_source", DataTypes.StringType, false));
    SCORES_SCHEMA = DataTypes.createStructType(f);
  }

  public static final StructType EVALUATION_SCHEMA =
      DataTypes.createStructType(
          new StructField[] {
            DataTypes.createStructField("metric", DataTypes.StringType, false),
            DataTypes.createStructField("target", DataTypes.StringType, false),
            DataTypes.createStructField("value", DataTypes.DoubleType, true),
            DataTypes.createStructField("n", DataTypes.LongType, false),
            DataTypes.createStructField("n_positive", DataTypes.LongType, true),
          });

  /**
   * True for messages of held-out trees: a seeded hash of the tree id, so a whole tree is always on
   * one side and the same seed always gives the same split.
   */
  public static Column heldOut(double fraction, long seed) {
    return pmod(xxhash64(col("message_tree_id"), lit(seed)), lit(1_000_000L)).lt(lit((long) Math.round(fraction * 1_000_000)));
  }

  /** Held-out trees' scored messages, or training trees' ones, at most {@code max} (seeded sample). */
  public static Dataset<Row> scoredSide(Dataset<Row> messages, ScorerOptions o, boolean heldOutSide, int max) {
    Column side = heldOut(o.holdoutFraction(), o.seed());
    Dataset<Row> d =
        messages.where(col("detoxify").isNotNull().and(col("text").isNotNull()).and(heldOutSide ? side : org.apache.spark.sql.functions.not(side)));
    long n = d.count();
    if (n > max) d = d.sample(false, Math.min(1.0, 1.1 * max / n), o.seed());
    return d.orderBy(xxhash64(col("message_id"), lit(o.seed()))).limit(max);
  }

  /** Trains on the training trees' scored messages (at most toxicity.scorer.max_train of them). */
  public static ToxicityScorerModel train(Dataset<Row> messages, ScorerOptions o) {
    List<Row> rows = selectTextAndScores(scoredSide(messages, o, false, o.maxTrain())).collectAsList();
    if (rows.size() < o.minTrain())
      throw new IllegalStateException(
          "only " + rows.size() + " training messages with Detoxify scores; toxicity.scorer.min_train is " + o.minTrain());
    List<String> texts = new ArrayList<>(rows.size());
    double[][] targets = new double[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      texts.add(rows.get(i).getString(0));
      targets[i] = scoresOf(rows.get(i), 1);
    }
    return ScorerTrainer.train(texts, targets, CATEGORIES, o);
  }

  /** Training set size the last {@link #train} would use; for reporting. */
  public static long trainingCount(Dataset<Row> messages, ScorerOptions o) {
    return scoredSide(messages, o, false, o.maxTrain()).count();
  }

  private static Dataset<Row> selectTextAndScores(Dataset<Row> d) {
    List<Column> c = new ArrayList<>();
    c.add(col("text"));
    for (String cat : CATEGORIES) c.add(col("detoxify").getField(cat).cast("double").as(cat));
    return d.select(c.toArray(Column[]::new));
  }

  private static double[] scoresOf(Row r, int from) {
    double[] t = new double[CATEGORIES.size()];
    for (int c = 0; c < t.length; c++) {
      if (r.isNullAt(from + c)) throw new IllegalArgumentException("a Detoxify struct lacks '" + CATEGORIES.get(c) + "'");
      t[c] = r.getDouble(from + c);
    }
    return t;
  }

  /**
   * Held-out quality: Pearson of predicted vs observed per category, and ROC AUC of predicted
   * toxicity for each yes/no human label (yes = label mean at least the binary threshold).
   */
  public static Dataset<Row> evaluate(Dataset<Row> messages, ToxicityScorerModel model, ToxicityOptions opts, List<String> aucLabels) {
    ScorerOptions o = opts.scorer();
    List<Column> c = new ArrayList<>();
    c.add(col("text"));
    for (String cat : CATEGORIES) c.add(col("detoxify").getField(cat).cast("double").as(cat));
    for (String l : aucLabels) c.add(col("labels").getItem(l).getField("value").cast("double").as("l_" + l));
    List<Row> rows = scoredSide(messages, o, true, o.maxEval()).select(c.toArray(Column[]::new)).collectAsList();
    int n = rows.size();
    double[][] pred = new double[n][];
    for (int i = 0; i < n; i++) pred[i] = model.predict(rows.get(i).getString(0));
    List<Row> out = new ArrayList<>();
    int toxicity = CATEGORIES.indexOf("toxicity");
    for (int k = 0; k < CATEGORIES.size(); k++) {
      double[] p = new double[n], y = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = pred[i][k];
        y[i] = rows.get(i).getDouble(1 + k);
      }
      out.add(RowFactory.create("pearson_predicted_vs_observed", CATEGORIES.get(k), Stats.orNull(Stats.pearson(p, y)), (long) n, null));
    }
    for (int j = 0; j < aucLabels.size(); j++) {
      int idx = 1 + CATEGORIES.size() + j;
      List<Double> scores = new ArrayList<>();
      List<Boolean> truth = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (rows.get(i).isNullAt(idx)) continue;
        scores.add(pred[i][toxicity]);
        truth.add(rows.get(i).getDouble(idx) >= opts.binaryThreshold());
      }
      double[] s = scores.stream().mapToDouble(Double::doubleValue).toArray();
      boolean[] t = new boolean[truth.size()];
      long pos = 0;
      for (int i = 0; i < t.length; i++) if (t[i] = truth.get(i)) pos++;
      out.add(RowFactory.create("roc_auc_predicted_toxicity", aucLabels.get(j), Stats.orNull(Stats.rocAuc(s, t)), (long) t.length, pos));
      // The same AUC for the observed Detoxify toxicity: the ceiling the scorer tries to imitate.
      double[] obs = new double[t.length];
      int m = 0;
      for (int i = 0; i < n; i++) if (!rows.get(i).isNullAt(idx)) obs[m++] = rows.get(i).getDouble(1 + toxicity);
      out.add(RowFactory.create("roc_auc_observed_toxicity", aucLabels.get(j), Stats.orNull(Stats.rocAuc(obs, t)), (long) t.length, pos));
    }
    return messages.sparkSession().createDataFrame(out, EVALUATION_SCHEMA);
  }

  /**
   * The scores table: observed Detoxify scores where the export has them, the model's prediction on
   * the executors (model broadcast once) where it has not. With a null model, messages without
   * scores are left out and the caller reports how many.
   */
  public static Dataset<Row> scores(Dataset<Row> messages, ToxicityScorerModel model) {
    List<Column> obs = new ArrayList<>();
    obs.add(col("message_id"));
    for (String cat : CATEGORIES) obs.add(col("detoxify").getField(cat).cast("double").as(cat));
    obs.add(lit(OBSERVED).as("score_source"));
    Dataset<Row> observed = messages.where(col("detoxify").isNotNull()).select(obs.toArray(Column[]::new));
    if (model == null) return observed;
    Broadcast<ToxicityScorerModel> b =
        JavaSparkContext.fromSparkContext(messages.sparkSession().sparkContext()).broadcast(model);
    Dataset<Row> missing = messages.where(col("detoxify").isNull()).select(col("message_id"), col("text"));
    MapPartitionsFunction<Row, Row> predict =
        (Iterator<Row> it) -> {
          ToxicityScorerModel m = b.value();
          // Lazy: a partition is scored row by row, never held in memory.
          return new Iterator<Row>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Row next() {
              Row r = it.next();
              double[] p = m.predict(r.getString(1));
              Object[] v = new Object[CATEGORIES.size() + 2];
              v[0] = r.getString(0);
              for (int k = 0; k < p.length; k++) v[1 + k] = p[k];
              v[v.length - 1] = PREDICTED;
              return RowFactory.create(v);
            }
          };
        };
    Dataset<Row> predicted = missing.mapPartitions(predict, Encoders.row(SCORES_SCHEMA));
    return observed.unionByName(predicted);
  }
}
