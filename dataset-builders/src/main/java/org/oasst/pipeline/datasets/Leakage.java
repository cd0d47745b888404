package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Prompt leakage between splits. A tree's prompt is its root message. Exact duplicates are found on
 * normalized text (lower case, whitespace runs collapsed, trimmed): when the same prompt is in several
 * splits, every tree with it in a later split (train, then validation, then test) is marked for
 * dropping. Near duplicates are found with MinHash LSH on character shingles and only reported.
 */
public final class Leakage {
  private Leakage() {}

  public static Column normalized(Column text) {
    return trim(regexp_replace(lower(text), "\\s+", " "));
  }

  private static Column splitOrder(Column split) {
    return when(split.equalTo(Splits.TRAIN), lit(0)).when(split.equalTo(Splits.VALIDATION), lit(1)).otherwise(lit(2));
  }

  /**
   * One row per tree that has examples: message_tree_id, split, prompt (the root's text), normalized.
   */
  public static Dataset<Row> treePrompts(Dataset<Row> messages, Dataset<Row> examples) {
    Dataset<Row> trees = examples.select("message_tree_id", "split").distinct();
    Dataset<Row> roots =
        messages
            .filter(col("parent_id").isNull())
            .select(col("message_tree_id"), col("text").as("prompt"));
    return trees
        .join(roots, "message_tree_id")
        .withColumn("normalized", normalized(col("prompt")));
  }

  /**
   * Trees whose normalized prompt already occurs in an earlier split: message_tree_id, split,
   * first_split (the earliest split holding that prompt), normalized.
   */
  public static Dataset<Row> exactDuplicates(Dataset<Row> treePrompts) {
    Column order = splitOrder(col("split"));
    Dataset<Row> withFirst =
        treePrompts
            .withColumn("order", order)
            .withColumn("first_order", min(col("order")).over(Window.partitionBy("normalized")));
    return withFirst
        .filter(col("order").gt(col("first_order")))
        .withColumn(
            "first_split",
            when(col("first_order").equalTo(0), lit(Splits.TRAIN)).otherwise(lit(Splits.VALIDATION)))
        .select("message_tree_id", "split", "first_split", "normalized");
  }

  /**
   * Pairs of trees in different splits whose prompts have a Jaccard similarity of character
   * shingles at or above the threshold (and are not exact duplicates): tree_a, split_a, prompt_a,
   * tree_b, split_b, prompt_b, similarity. split_a is the earlier split.
   */
  public static Dataset<Row> nearDuplicates(Dataset<Row> treePrompts, DatasetOptions opts) {
    int n = opts.shingleSize;
    Dataset<Row> prompts =
        treePrompts
            .filter(length(col("normalized")).geq(n))
            .withColumn("chars", split(col("normalized"), ""))
            .withColumn("order", splitOrder(col("split")));
    NGram shingles = new NGram().setN(n).setInputCol("chars").setOutputCol("shingles");
    HashingTF tf =
        new HashingTF().setInputCol("shingles").setOutputCol("features").setNumFeatures(1 << 20).setBinary(true);
    MinHashLSH lsh =
        new MinHashLSH().setNumHashTables(opts.hashTables).setSeed(opts.splitSeed).setInputCol("features").setOutputCol("hashes");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {shingles, tf, lsh}).fit(prompts);
    Dataset<Row> hashed = model.transform(prompts);
    MinHashLSHModel lshModel = (MinHashLSHModel) model.stages()[2];
    Dataset<Row> a = hashed.filter(col("order").lt(2));
    Dataset<Row> b = hashed.filter(col("order").gt(0));
    Dataset<Row> pairs =
        lshModel.approxSimilarityJoin(a, b, 1.0 - opts.nearDuplicateThreshold, "distance").toDF();
    return pairs
        .filter(col("datasetA.order").lt(col("datasetB.order")))
        .filter(col("datasetA.normalized").notEqual(col("datasetB.normalized")))
        .select(
            col("datasetA.message_tree_id").as("tree_a"),
            col("datasetA.split").as("split_a"),
            col("datasetA.prompt").as("prompt_a"),
            col("datasetB.message_tree_id").as("tree_b"),
            col("datasetB.split").as("split_b"),
            col("datasetB.prompt").as("prompt_b"),
            lit(1.0).minus(col("distance")).as("similarity"));
  }
}
