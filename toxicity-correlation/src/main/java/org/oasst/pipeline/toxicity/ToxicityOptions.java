package org.oasst.pipeline.toxicity;

import java.io.Serializable;
import java.util.List;
import org.oasst.pipeline.core.config.PipelineConfig;

/** Every option of the toxicity stage, read once from the {@code toxicity.} config prefix. */
public record ToxicityOptions(
    List<String> languages,
    List<String> labels,
    List<String> binaryLabels,
    double binaryThreshold,
    boolean correlationUsePredicted,
    boolean spearman,
    long spearmanMaxLabelValues,
    List<String> deletedTreeStates,
    boolean rejectedCountsAsDeleted,
    int bootstrapReplicates,
    long bootstrapSeed,
    ScorerOptions scorer)
    implements Serializable {

  public static final List<String> DEFAULT_LANGUAGES = List.of("en", "es", "ru", "fr", "it");

  /** Every label of the reference's section 3 that the default label sets carry. */
  public static final List<String> DEFAULT_LABELS =
      List.of(
          "hate_speech", "not_appropriate", "sexual_content", "toxicity", "violence", "spam",
          "quality", "lang_mismatch", "pii", "fails_task", "humor", "creativity", "helpfulness");

  /** Labels collected as yes/no flags (each reviewer gives 0 or 1). */
  public static final List<String> DEFAULT_BINARY_LABELS =
      List.of(
          "hate_speech", "not_appropriate", "sexual_content", "spam", "lang_mismatch", "pii",
          "fails_task", "moral_judgement", "political_content");

  /** Options of the text scorer ({@code toxicity.scorer.} prefix, plus {@code toxicity.model_path}). */
  public record ScorerOptions(
      boolean enabled,
      String modelPath,
      int maxTrain,
      int maxEval,
      int minTrain,
      double holdoutFraction,
      long seed,
      int dims,
      int epochs,
      int window,
      int minWordFrequency,
      double ridge)
      implements Serializable {}

  public static ToxicityOptions defaults() {
    return from(PipelineConfig.defaults());
  }

  public static ToxicityOptions from(PipelineConfig c) {
    List<String> languages = c.getStringList("toxicity.languages", DEFAULT_LANGUAGES);
    ScorerOptions scorer =
        new ScorerOptions(
            c.getBoolean("toxicity.scorer.enabled", true),
            c.getString("toxicity.model_path", ""),
            c.getInt("toxicity.scorer.max_train", 200_000),
            c.getInt("toxicity.scorer.max_eval", 50_000),
            c.getInt("toxicity.scorer.min_train", 50),
            c.getDouble("toxicity.scorer.holdout_fraction", 0.2),
            c.getLong("toxicity.scorer.seed", 42L),
            c.getInt("toxicity.scorer.dims", 64),
            c.getInt("toxicity.scorer.epochs", 2),
            c.getInt("toxicity.scorer.window", 5),
            c.getInt("toxicity.scorer.min_word_frequency", 2),
            c.getDouble("toxicity.scorer.ridge", 1.0));
    ToxicityOptions o =
        new ToxicityOptions(
            languages,
            c.getStringList("toxicity.labels", DEFAULT_LABELS),
            c.getStringList("toxicity.binary_labels", DEFAULT_BINARY_LABELS),
            c.getDouble("toxicity.binary_threshold", 0.5),
            c.getBoolean("toxicity.correlation.use_predicted", false),
            c.getBoolean("toxicity.correlation.spearman", true),
            c.getLong("toxicity.correlation.spearman_max_label_values", 1_000_000L),
            c.getStringList("toxicity.deleted.tree_states", List.of("ready_for_export")),
            c.getBoolean("toxicity.deleted.count_rejected_as_deleted", false),
            c.getInt("toxicity.bootstrap.replicates", 200),
            c.getLong("toxicity.bootstrap.seed", 42L),
            scorer);
    o.validate();
    return o;
  }

  private void validate() {
    if (labels.isEmpty()) throw new IllegalArgumentException("toxicity.labels must not be empty");
    if (!(binaryThreshold > 0 && binaryThreshold <= 1))
      throw new IllegalArgumentException("toxicity.binary_threshold must be in (0, 1]: " + binaryThreshold);
    if (spearmanMaxLabelValues < 0)
      throw new IllegalArgumentException("toxicity.correlation.spearman_max_label_values must be >= 0");
    if (bootstrapReplicates < 0)
      throw new IllegalArgumentException("toxicity.bootstrap.replicates must be >= 0");
    if (!(scorer.holdoutFraction() > 0 && scorer.holdoutFraction() < 1))
      throw new IllegalArgumentException("toxicity.scorer.holdout_fraction must be in (0, 1)");
    for (String l : labels)
      if (!l.matches("[a-z_]+")) throw new IllegalArgumentException("bad label name in toxicity.labels: " + l);
  }

  public boolean isBinary(String label) {
    return binaryLabels.contains(label);
  }
}
