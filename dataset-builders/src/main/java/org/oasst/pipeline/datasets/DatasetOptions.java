package org.oasst.pipeline.datasets;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.oasst.pipeline.core.config.ConfigException;
import org.oasst.pipeline.core.config.PipelineConfig;

/**
 * Every option of the dataset stage, read once from the {@code datasets.} section of the pipeline
 * configuration. Immutable and serializable: it travels to the executors with the tree walk.
 */
public final class DatasetOptions implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern TOP_K_NAME = Pattern.compile("sft_top(\\d+)");

  /** How threads are selected. */
  public enum Compat {
    /** The corrected selection (the default): see docs/dataset-builders.md. */
    CORRECTED,
    /** The original training code's selection, quirks included, so that its counts are reproduced. */
    REFERENCE
  }

  /** Which review outcomes a message may have to stay in a thread (corrected mode). */
  public enum ReviewPolicy {
    DROP_REJECTED,
    REQUIRE_ACCEPTED,
    IGNORE
  }

  public static final List<String> ALL_DATASETS =
      List.of("sft", "sft_top1", "rm_ranked", "rm_pairs", "rl_prompts");
  public static final List<String> ALL_VARIANTS = List.of("ready", "all", "spam", "prompts");

  public final Compat compat;
  public final List<String> datasets;
  public final List<String> languages;
  public final List<String> treeStates;
  public final List<String> rlTreeStates;
  public final boolean requireAcceptedPrompt;
  public final ReviewPolicy review;
  public final boolean dropDeleted;
  public final boolean dropSynthetic;
  public final Map<String, Double> minLabel;
  public final double maxToxicity;
  public final int rmMaxReplies;
  public final List<String> formats;
  public final String eos;
  public final long splitSeed;
  public final double validationFraction;
  public final double testFraction;
  public final boolean dropExactDuplicates;
  public final boolean nearDuplicates;
  public final double nearDuplicateThreshold;
  public final int shingleSize;
  public final int hashTables;
  public final int rowsPerBand;
  public final int reportLimit;
  public final boolean failOnMalformedTree;
  public final boolean exports;
  public final List<String> exportVariants;
  public final List<String> exportFormats;
  public final boolean exportGzip;
  public final String exportPrefix;
  public final String license;

  private DatasetOptions(PipelineConfig c) {
    String mode = c.getString("datasets.compat", "corrected").trim().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "corrected":
      case "default":
        compat = Compat.CORRECTED;
        break;
      case "reference":
        compat = Compat.REFERENCE;
        break;
      default:
        throw new ConfigException("datasets.compat must be 'corrected' or 'reference', got '" + mode + "'");
    }
    datasets = c.getStringList("datasets.build", ALL_DATASETS);
    for (String d : datasets) topKOf(d);
    languages = c.getStringList("datasets.languages", List.of());
    treeStates = c.getStringList("datasets.filter.tree_states", List.of("ready_for_export"));
    rlTreeStates =
        c.getStringList(
            "datasets.rl.tree_states", List.of("ready_for_export", "prompt_lottery_waiting"));
    requireAcceptedPrompt = c.getBoolean("datasets.filter.require_accepted_prompt", true);
    String policy = c.getString("datasets.filter.review", "drop_rejected").trim().toUpperCase(Locale.ROOT);
    try {
      review = ReviewPolicy.valueOf(policy);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "datasets.filter.review must be drop_rejected, require_accepted or ignore, got '" + policy + "'");
    }
    dropDeleted = c.getBoolean("datasets.filter.drop_deleted", true);
    dropSynthetic = c.getBoolean("datasets.filter.drop_synthetic", true);
    minLabel = new LinkedHashMap<>();
    Object labels = c.get("datasets.filter.min_label");
    if (labels instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) labels).entrySet()) {
        String key = "datasets.filter.min_label." + e.getKey();
        minLabel.put(String.valueOf(e.getKey()), c.getDouble(key, 0.0));
      }
    } else if (labels != null) {
      throw new ConfigException("datasets.filter.min_label must be a map of label name to minimum mean");
    }
    maxToxicity = c.getDouble("datasets.filter.max_toxicity", Double.NaN);
    rmMaxReplies = c.getInt("datasets.rm.max_replies", 5);
    if (rmMaxReplies < 2) throw new ConfigException("datasets.rm.max_replies must be at least 2");
    formats = new ArrayList<>();
    for (String f : c.getStringList("datasets.formats", List.of("conversational"))) {
      String n = f.trim().toLowerCase(Locale.ROOT);
      if (!List.of("conversational", "text", "sharegpt").contains(n)) {
        throw new ConfigException("datasets.formats: unknown format '" + f + "' (conversational, text, sharegpt)");
      }
      formats.add(n);
    }
    if (formats.isEmpty()) throw new ConfigException("datasets.formats must name at least one format");
    eos = c.getString("datasets.text.eos", "</s>");
    splitSeed = c.getLong("datasets.split.seed", 287631038922L);
    validationFraction = c.getDouble("datasets.split.validation_fraction", 0.05);
    testFraction = c.getDouble("datasets.split.test_fraction", 0.0);
    if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1) {
      throw new ConfigException("datasets.split fractions must be >= 0 and leave room for train");
    }
    dropExactDuplicates =
        c.getBoolean("datasets.leakage.drop_exact_duplicates", compat == Compat.CORRECTED);
    nearDuplicates = c.getBoolean("datasets.leakage.near_duplicates", true);
    nearDuplicateThreshold = c.getDouble("datasets.leakage.near_duplicate_threshold", 0.8);
    if (nearDuplicateThreshold <= 0 || nearDuplicateThreshold > 1) {
      throw new ConfigException("datasets.leakage.near_duplicate_threshold must be in (0, 1]");
    }
    shingleSize = c.getInt("datasets.leakage.shingle_size", 5);
    hashTables = c.getInt("datasets.leakage.hash_tables", 10);
    rowsPerBand = c.getInt("datasets.leakage.rows_per_band", 5);
    if (hashTables < 1 || rowsPerBand < 1) {
      throw new ConfigException("datasets.leakage.hash_tables and rows_per_band must be at least 1");
    }
    reportLimit = c.getInt("datasets.leakage.report_limit", 20);
    String onMalformed = c.getString("datasets.on_malformed_tree", "fail").trim().toLowerCase(Locale.ROOT);
    if (!onMalformed.equals("fail") && !onMalformed.equals("skip")) {
      throw new ConfigException("datasets.on_malformed_tree must be 'fail' or 'skip'");
    }
    failOnMalformedTree = onMalformed.equals("fail");
    // Off by default: the variants are whole copies of the input, streamed through the driver, far
    // costlier than the datasets themselves; a run that wants them turns them on.
    exports = c.getBoolean("datasets.exports.enabled", false);
    exportVariants = c.getStringList("datasets.exports.variants", ALL_VARIANTS);
    for (String v : exportVariants) {
      if (!ALL_VARIANTS.contains(v)) {
        throw new ConfigException("datasets.exports.variants: unknown variant '" + v + "' " + ALL_VARIANTS);
      }
    }
    exportFormats = c.getStringList("datasets.exports.formats", List.of("trees", "messages"));
    for (String f : exportFormats) {
      if (!f.equals("trees") && !f.equals("messages")) {
        throw new ConfigException("datasets.exports.formats: unknown format '" + f + "' (trees, messages)");
      }
    }
    exportGzip = c.getBoolean("datasets.exports.gzip", false);
    exportPrefix = c.getString("datasets.exports.prefix", "oasst");
    license = c.getString("datasets.license", "apache-2.0");
  }

  public static DatasetOptions from(PipelineConfig config) {
    return new DatasetOptions(config);
  }

  public static DatasetOptions defaults() {
    return from(PipelineConfig.defaults());
  }

  /** The top_k of an {@code sft_topK} dataset, null for the others; an unknown name is an error. */
  public static Integer topKOf(String dataset) {
    Matcher m = TOP_K_NAME.matcher(dataset);
    if (m.matches()) {
      int k = Integer.parseInt(m.group(1));
      if (k < 1) throw new ConfigException("datasets.build: top_k must be at least 1 in " + dataset);
      return k;
    }
    if (!List.of("sft", "rm_ranked", "rm_pairs", "rl_prompts").contains(dataset)) {
      throw new ConfigException(
          "datasets.build: unknown dataset '" + dataset + "' (sft, sft_topK, rm_ranked, rm_pairs, rl_prompts)");
    }
    return null;
  }

  public boolean hasFormat(String format) {
    return formats.contains(format);
  }

  /** The settings that decide which rows exist, for the dataset cards. */
  public Map<String, Object> selectionSummary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("compat", compat.name().toLowerCase(Locale.ROOT));
    m.put("languages", languages.isEmpty() ? "all" : languages);
    if (compat == Compat.REFERENCE) {
      m.put("tree_states", List.of("ready_for_export"));
      m.put("thread_filter", "no deleted or synthetic message (review_result below the root not checked)");
    } else {
      m.put("tree_states", treeStates);
      m.put("rl_tree_states", rlTreeStates);
      m.put("require_accepted_prompt", requireAcceptedPrompt);
      m.put("review", review.name().toLowerCase(Locale.ROOT));
      m.put("drop_deleted", dropDeleted);
      m.put("drop_synthetic", dropSynthetic);
      m.put("min_label", minLabel);
      m.put("max_toxicity", Double.isNaN(maxToxicity) ? "none" : maxToxicity);
    }
    m.put("rm_max_replies", rmMaxReplies);
    m.put("split_seed", splitSeed);
    m.put("validation_fraction", validationFraction);
    m.put("test_fraction", testFraction);
    m.put("drop_exact_duplicate_prompts", dropExactDuplicates);
    return m;
  }
}
