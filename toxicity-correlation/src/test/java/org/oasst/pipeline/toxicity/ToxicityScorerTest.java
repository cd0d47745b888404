package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorer;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorerModel;

class ToxicityScorerTest {
  static ToxicityOptions opts;
  static Dataset<Row> messages;
  static ToxicityScorerModel model;

  static ToxicityOptions smallScorer() {
    return ToxicityOptions.from(
        PipelineConfig.defaults()
            .with("toxicity.scorer.dims", 24)
            .with("toxicity.scorer.epochs", 3)
            .with("toxicity.scorer.seed", 5));
  }

  @BeforeAll
  static void train() {
    opts = smallScorer();
    messages = SyntheticData.messages();
    model = ToxicityScorer.train(messages, opts.scorer());
  }

  @Test
  void splitIsByTreeAndSeeded() {
    Dataset<Row> sides =
        messages.select(col("message_tree_id"), ToxicityScorer.heldOut(0.2, 5).as("held")).distinct();
    assertEquals(sides.select("message_tree_id").distinct().count(), sides.count(), "a tree on both sides");
    double share = sides.where(col("held")).count() / (double) sides.count();
    assertTrue(share > 0.14 && share < 0.26, "held-out share of trees " + share);
  }

  @Test
  void heldOutPredictionsBeatAConstant() {
    // Held-out trees only, computed here from the model's predictions and the observed scores.
    List<Row> held =
        ToxicityScorer.scoredSide(messages, opts.scorer(), true, 100_000)
            .select(col("text"), col("detoxify.toxicity"), col("labels").getItem("hate_speech").getField("value"))
            .collectAsList();
    List<Row> train =
        ToxicityScorer.scoredSide(messages, opts.scorer(), false, 100_000).select(col("detoxify.toxicity")).collectAsList();
    double constant = train.stream().mapToDouble(r -> r.getDouble(0)).average().orElseThrow();
    double msePred = 0, mseConst = 0;
    double[] p = new double[held.size()], y = new double[held.size()];
    for (int i = 0; i < held.size(); i++) {
      p[i] = model.predict(held.get(i).getString(0))[0];
      y[i] = held.get(i).getDouble(1);
      msePred += (p[i] - y[i]) * (p[i] - y[i]);
      mseConst += (constant - y[i]) * (constant - y[i]);
    }
    double r = pearson(p, y);
    System.err.println("SCORER held-out n=" + held.size() + " pearson=" + r + " mse=" + msePred / held.size() + " const=" + mseConst / held.size());
    assertTrue(held.size() > 300, "held-out messages " + held.size());
    // A constant has Pearson 0 (undefined) and the MSE of the training mean: the model must beat both.
    assertTrue(msePred < 0.9 * mseConst, "MSE " + msePred / held.size() + " vs constant " + mseConst / held.size() + ", r " + r);
    // Word2Vec trains on two threads (lock-free updates), so runs with the same seed differ: 0.450 to
    // 0.497 over 13 runs. The bound leaves room for that spread, far above a constant's 0.
    assertTrue(r > 0.40, "held-out Pearson of toxicity " + r);

    // The stage's evaluation table agrees with this direct computation.
    Map<String, Row> eval = new HashMap<>();
    for (Row e : ToxicityScorer.evaluate(messages, model, opts, List.of("hate_speech", "not_appropriate")).collectAsList()) {
      eval.put(e.getString(0) + "/" + e.getString(1), e);
      System.err.println("SCORER eval " + e);
    }
    assertEquals(r, eval.get("pearson_predicted_vs_observed/toxicity").getDouble(2), 1e-9);
    // A constant score has ROC AUC 0.5. not_appropriate is flagged often enough (0.01 + 0.6 x hidden
    // toxicity per reviewer) for a stable AUC on a few hundred held-out messages.
    Row auc = eval.get("roc_auc_predicted_toxicity/not_appropriate");
    assertTrue(auc.getLong(4) >= 20, "positives " + auc);
    assertTrue(auc.getDouble(2) > 0.6, auc.toString());
  }

  static double pearson(double[] x, double[] y) {
    double mx = 0, my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i] / x.length;
      my += y[i] / y.length;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  @Test
  void savedModelPredictsIdentically() throws Exception {
    Path dir = Files.createTempDirectory("tox-model");
    String where = dir.resolve("model").toString();
    model.save(where, TestSpark.get().sparkContext().hadoopConfiguration(), "{}");
    ToxicityScorerModel back = ToxicityScorerModel.load(where, TestSpark.get().sparkContext().hadoopConfiguration());
    List<Row> texts = messages.select("text").limit(200).collectAsList();
    for (Row t : texts) assertArrayEquals(model.predict(t.getString(0)), back.predict(t.getString(0)), 0.0);
    assertEquals(model.vocabularySize(), back.vocabularySize());
  }

  @Test
  void scoresKeepObservedAndPredictTheRest() {
    Dataset<Row> scores = ToxicityScorer.scores(messages, model);
    long total = messages.count();
    long missing = messages.where(col("detoxify").isNull()).count();
    assertTrue(missing > 0, "the generator leaves some messages without scores");
    assertEquals(total, scores.count());
    assertEquals(missing, scores.where(col("score_source").equalTo("predicted")).count());
    // Observed rows carry the export's own values.
    Row some = messages.where(col("detoxify").isNotNull()).select("message_id", "detoxify.insult").first();
    Row mine = scores.where(col("message_id").equalTo(some.getString(0))).first();
    assertEquals("observed", mine.getString(8));
    assertEquals(some.getDouble(1), mine.getDouble(5), 0.0);
    // Predicted rows are what the driver-side model gives for the same text.
    Row m = messages.where(col("detoxify").isNull()).select("message_id", "text").first();
    Row pred = scores.where(col("message_id").equalTo(m.getString(0))).first();
    double[] expected = model.predict(m.getString(1));
    List<Double> got = new ArrayList<>();
    for (int k = 0; k < 7; k++) got.add(pred.getDouble(1 + k));
    for (int k = 0; k < 7; k++) assertEquals(expected[k], got.get(k), 0.0);
  }
}
