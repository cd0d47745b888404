package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorer;
import org.oasst.pipeline.toxicity.scorer.ToxicityScorerModel;

/**
 * The toxicity stage: reads tables/messages, writes toxicity/{scores, scorer_evaluation, model,
 * correlation, correlation_by_lang, deleted_vs_retained} and a {@code toxicity} manifest section.
 */
public final class ToxicityStage {
  private ToxicityStage() {}

  public static final String OUT = "toxicity/";

  public static void run(SparkSession spark, OutputStore store, PipelineConfig config) {
    ToxicityOptions o = ToxicityOptions.from(config);
    Dataset<Row> messages = store.read("tables/messages");
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("languages", o.languages());
    section.put("labels", o.labels());
    section.put("deleted_tree_states", o.deletedTreeStates());
    section.put("correlation_scores", o.correlationUsePredicted() ? "observed+predicted" : "observed");

    // 1. The scorer: reuse a given model, or train one, and score messages without Detoxify scores.
    ToxicityScorerModel model = null;
    Map<String, Object> scorerInfo = new LinkedHashMap<>();
    if (!o.scorer().modelPath().isBlank()) {
      model = ToxicityScorerModel.load(o.scorer().modelPath(), spark.sparkContext().hadoopConfiguration());
      scorerInfo.put("model", "loaded from " + o.scorer().modelPath());
      scorerInfo.put("evaluation_note", "a loaded model is evaluated on this input's held-out trees, which its own training may have seen");
    } else if (o.scorer().enabled()) {
      long available = ToxicityScorer.trainingCount(messages, o.scorer());
      if (available >= o.scorer().minTrain()) {
        long t0 = System.nanoTime();
        model = ToxicityScorer.train(messages, o.scorer());
        scorerInfo.put("model", "trained");
        scorerInfo.put("training_messages", available);
        scorerInfo.put("training_seconds", (System.nanoTime() - t0) / 1e9);
        scorerInfo.put("vocabulary", model.vocabularySize());
        final ToxicityScorerModel trained = model;
        String summary = modelSummary(o, available, trained);
        store.writeAtomically(OUT + "model", staging -> {
          trained.save(staging, spark.sparkContext().hadoopConfiguration(), summary);
          return null;
        });
      } else {
        scorerInfo.put("model", "not trained: " + available + " scored messages in training trees, fewer than toxicity.scorer.min_train = " + o.scorer().minTrain());
      }
    } else {
      scorerInfo.put("model", "disabled (toxicity.scorer.enabled = false)");
    }
    if (model != null) {
      List<String> aucLabels = List.of("hate_speech", "not_appropriate");
      store.writeTableWithCsv(OUT + "scorer_evaluation", ToxicityScorer.evaluate(messages, model, o, aucLabels));
    }
    store.writeTable(OUT + "scores", ToxicityScorer.scores(messages, model));
    long unscored = messages.where(col("detoxify").isNull()).count();
    scorerInfo.put("messages_without_detoxify", unscored);
    scorerInfo.put("predicted", model != null ? unscored : 0);
    section.put("scorer", scorerInfo);

    // 2. Figure 3 and Table 2.
    Dataset<Row> flat = ToxicityColumns.flatten(messages, o.labels());
    if (o.correlationUsePredicted()) flat = ToxicityColumns.withScores(flat, store.read(OUT + "scores"));
    flat = flat.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> corr = Correlations.compute(flat, o).cache();
      store.writeTableWithCsv(OUT + "correlation", corr.where(col("scope").equalTo(Correlations.SCOPE_ALL)));
      store.writeTableWithCsv(OUT + "correlation_by_lang", corr.where(col("scope").notEqual(Correlations.SCOPE_ALL)));
      corr.unpersist();

      store.writeTableWithCsv(OUT + "deleted_vs_retained", DeletedVsRetained.compute(flat, o));
      Row s = DeletedVsRetained.scopeSummary(flat, o);
      Map<String, Object> scope = new LinkedHashMap<>();
      scope.put("messages_in_scope", s.getLong(0));
      scope.put("deletion_flag_missing", s.isNullAt(1) ? 0L : s.getLong(1));
      scope.put("deleted", s.isNullAt(2) ? 0L : s.getLong(2));
      scope.put("with_detoxify_scores", s.isNullAt(3) ? 0L : s.getLong(3));
      scope.put("definition", "deleted = (deleted is true)" + (o.rejectedCountsAsDeleted() ? " or review_result is false" : "")
          + "; scope " + DeletedVsRetained.scopeDescription(o));
      section.put("deleted_vs_retained", scope);
    } finally {
      flat.unpersist();
    }
    store.recordSection("toxicity", section);
  }

  private static String modelSummary(ToxicityOptions o, long trainingMessages, ToxicityScorerModel m) {
    return "{\n  \"format\": 1,\n  \"kind\": \"dl4j-word2vec mean+max pooled, ridge on logit(Detoxify)\",\n"
        + "  \"categories\": " + toJsonList(m.categories()) + ",\n"
        + "  \"dims\": " + m.dims() + ",\n  \"vocabulary\": " + m.vocabularySize() + ",\n"
        + "  \"training_messages\": " + trainingMessages + ",\n"
        + "  \"seed\": " + o.scorer().seed() + ",\n  \"epochs\": " + o.scorer().epochs() + ",\n"
        + "  \"window\": " + o.scorer().window() + ",\n  \"min_word_frequency\": " + o.scorer().minWordFrequency() + ",\n"
        + "  \"ridge\": " + o.scorer().ridge() + ",\n  \"holdout_fraction\": " + o.scorer().holdoutFraction() + "\n}\n";
  }

  private static String toJsonList(List<String> xs) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < xs.size(); i++) b.append(i == 0 ? "" : ", ").append('"').append(xs.get(i)).append('"');
    return b.append(']').toString();
  }
}
