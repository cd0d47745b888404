package org.oasst.pipeline.quality.composition;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.trees.TreeAssembly;
import org.oasst.pipeline.core.trees.TreeSummary;
import org.oasst.pipeline.core.trees.TreesStage;

/**
 * Writes {@code analysis/composition} (Parquet plus CSV copy) from {@code tables/messages} and
 * {@code tables/trees} (and the ratings from {@code tables/labels} when it is there); when the trees
 * stage has not run, the trees are assembled here on the fly.
 * No config keys.
 */
public final class CompositionStage {
  private CompositionStage() {}

  public static final String OUTPUT = "analysis/composition";
  private static final String LABELS = "tables/labels";

  public static void run(SparkSession spark, OutputStore store, PipelineConfig config) {
    Dataset<Row> messages = store.read(TreesStage.MESSAGES);
    Dataset<Row> trees =
        store.exists(TreesStage.TREES)
            ? store.read(TreesStage.TREES)
            : TreeSummary.trees(TreeAssembly.annotate(messages));
    Dataset<Row> labels = store.exists(LABELS) ? store.read(LABELS) : null;
    store.writeTableWithCsv(OUTPUT, Composition.composition(messages, trees, labels));
  }
}
