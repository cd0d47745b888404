package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputInfo;
import org.oasst.pipeline.core.io.OutputStore;

/**
 * The dataset stage: reads {@code tables/messages}, walks every tree once for all datasets, resolves
 * prompt leakage between splits, and writes {@code datasets/<name>/<split>/} (Parquet), a card per
 * dataset, the leakage tables and, when enabled, the published export variants under
 * {@code exports/}.
 */
public final class DatasetStage {
  private DatasetStage() {}

  public static final String LEAKAGE_DIR = "datasets/_leakage/";

  public static void run(SparkSession spark, OutputStore store, PipelineConfig config) {
    DatasetOptions opts = DatasetOptions.from(config);
    Dataset<Row> messages = store.read("tables/messages");
    LongAccumulator malformed = spark.sparkContext().longAccumulator("datasets.malformed_trees");
    // Each output reads one (dataset, split) of the cached examples. Sorted by them, the cache's
    // batches each hold few of those, and a read skips every batch whose bounds exclude its own (the
    // unsorted cache was decoded whole for each of the ten writes).
    Dataset<Row> all =
        DatasetBuilder.examples(messages, opts, malformed)
            .sortWithinPartitions("dataset", "split")
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      build(store, messages, all, opts, malformed);
    } finally {
      all.unpersist();
    }
    if (opts.exports) Exports.writeAll(store, messages, opts);
  }

  private static void build(
      OutputStore store, Dataset<Row> messages, Dataset<Row> all, DatasetOptions opts, LongAccumulator malformed) {
    Dataset<Row> prompts = Leakage.treePrompts(messages, all).cache();
    Dataset<Row> exact = Leakage.exactDuplicates(prompts).cache();
    OutputInfo exactInfo = store.writeTable(LEAKAGE_DIR + "exact_duplicate_prompts", exact);
    Dataset<Row> leakedTrees = exact.select("message_tree_id");
    Map<String, Long> affectedRows = new TreeMap<>();
    for (Row r : all.join(leakedTrees, "message_tree_id").groupBy("dataset").count().collectAsList()) {
      affectedRows.put(r.getString(0), r.getLong(1));
    }
    // Not persisted a second time: the leaked trees are few, so each reader below drops them from the
    // cached examples again with a broadcast anti-join (a map-side filter) instead of a second cached
    // copy of every example with its texts.
    Dataset<Row> examples =
        opts.dropExactDuplicates
            ? all.join(broadcast(leakedTrees), all.col("message_tree_id").equalTo(leakedTrees.col("message_tree_id")), "left_anti")
            : all;

    long nearPairs = 0;
    List<String[]> nearExamples = new ArrayList<>();
    if (opts.nearDuplicates) {
      Dataset<Row> candidates =
          opts.dropExactDuplicates ? prompts.join(leakedTrees, prompts.col("message_tree_id").equalTo(leakedTrees.col("message_tree_id")), "left_anti") : prompts;
      OutputInfo near = store.writeTable(LEAKAGE_DIR + "near_duplicate_prompts", Leakage.nearDuplicates(candidates, opts));
      nearPairs = near.rows();
      for (Row r : store.read(LEAKAGE_DIR + "near_duplicate_prompts").orderBy(desc("similarity"), col("tree_a"), col("tree_b")).limit(opts.reportLimit).collectAsList()) {
        nearExamples.add(
            new String[] {
              String.format(Locale.ROOT, "%.3f", r.getDouble(r.fieldIndex("similarity"))),
              r.getString(r.fieldIndex("split_a")),
              r.getString(r.fieldIndex("prompt_a")),
              r.getString(r.fieldIndex("split_b")),
              r.getString(r.fieldIndex("prompt_b"))
            });
      }
    }

    // One aggregation gives every card its per-split and per-language counts.
    Map<String, Map<String, Long>> languages = new TreeMap<>();
    for (Row r : examples.groupBy("dataset", "lang").count().collectAsList()) {
      languages.computeIfAbsent(r.getString(0), k -> new TreeMap<>()).put(r.isNullAt(1) ? "unknown" : r.getString(1), r.getLong(2));
    }

    Map<String, Object> input = store.outputs().get("tables/messages");
    String fingerprint = input == null ? null : String.valueOf(input.get("fingerprint"));
    Long inputRows = input == null || input.get("rows") == null ? null : ((Number) input.get("rows")).longValue();

    Map<String, Object> summary = new LinkedHashMap<>();
    Map<String, Object> perDataset = new LinkedHashMap<>();
    for (String name : opts.datasets) {
      Dataset<Row> formatted = DatasetFormats.format(name, examples, opts);
      Map<String, Long> rowsPerSplit = new LinkedHashMap<>();
      for (String split : Splits.produced(opts)) {
        OutputInfo info =
            store.writeTable("datasets/" + name + "/" + split, formatted.filter(col("split").equalTo(split)).drop("split"));
        rowsPerSplit.put(split, info.rows());
      }
      DatasetCard.Facts facts =
          new DatasetCard.Facts(
              name,
              formatted.drop("split").schema(),
              rowsPerSplit,
              languages.getOrDefault(name, Map.of()),
              opts,
              exactInfo.rows(),
              affectedRows.getOrDefault(name, 0L),
              nearPairs,
              nearExamples,
              fingerprint,
              inputRows,
              malformed.value());
      store.writeText("datasets/" + name + "/README.md", DatasetCard.render(facts));
      perDataset.put(name, rowsPerSplit);
    }
    summary.put("mode", opts.compat.name().toLowerCase(Locale.ROOT));
    summary.put("rows", perDataset);
    summary.put("exact_duplicate_prompt_trees", exactInfo.rows());
    summary.put("exact_duplicate_rows_" + (opts.dropExactDuplicates ? "dropped" : "kept"), affectedRows);
    summary.put("near_duplicate_prompt_pairs", nearPairs);
    summary.put("malformed_trees_skipped", malformed.value());
    store.recordSection("datasets", summary);
    prompts.unpersist();
    exact.unpersist();
  }
}
