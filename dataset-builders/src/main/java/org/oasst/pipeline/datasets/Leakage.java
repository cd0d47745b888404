package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_intersect;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

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
   *
   * <p>Spark ML's MinHash LSH gives the min-hashes; the candidate pairs come from bands of them
   * ({@code hash_tables} bands of {@code rows_per_band} hashes, a pair is a candidate when all hashes
   * of one band agree). Spark's own similarity join ORs single hashes, which at a threshold like 0.8
   * makes most unrelated prompts of a language candidates (their common shingles give them a Jaccard
   * of 0.1-0.2): the banding keeps the candidates near the threshold, and the similarity of every
   * candidate is then computed exactly on the shingle sets.
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
        new MinHashLSH()
            .setNumHashTables(opts.hashTables * opts.rowsPerBand)
            .setSeed(opts.splitSeed)
            .setInputCol("features")
            .setOutputCol("hashes");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {shingles, tf, lsh}).fit(prompts);
    int rows = opts.rowsPerBand;
    UserDefinedFunction bandKeys =
        udf(
            (UDF1<scala.collection.Seq<Vector>, List<String>>) hashes -> bandKeys(hashes, rows),
            DataTypes.createArrayType(DataTypes.StringType));
    Dataset<Row> banded =
        model
            .transform(prompts)
            .select(
                col("message_tree_id"),
                col("split"),
                col("prompt"),
                col("normalized"),
                col("order"),
                array_distinct(col("shingles")).as("shingle_set"),
                explode(bandKeys.apply(col("hashes"))).as("band_key"));
    Dataset<Row> a = banded.filter(col("order").lt(2)).alias("a");
    Dataset<Row> b = banded.filter(col("order").gt(0)).alias("b");
    Dataset<Row> candidates =
        a.join(b, col("a.band_key").equalTo(col("b.band_key")).and(col("a.order").lt(col("b.order"))))
            .filter(col("a.normalized").notEqual(col("b.normalized")))
            .select(
                col("a.message_tree_id").as("tree_a"),
                col("a.split").as("split_a"),
                col("a.prompt").as("prompt_a"),
                col("a.shingle_set").as("set_a"),
                col("b.message_tree_id").as("tree_b"),
                col("b.split").as("split_b"),
                col("b.prompt").as("prompt_b"),
                col("b.shingle_set").as("set_b"))
            .dropDuplicates("tree_a", "tree_b");
    Column jaccard =
        size(array_intersect(col("set_a"), col("set_b"))).cast("double")
            .divide(size(array_union(col("set_a"), col("set_b"))));
    return candidates
        .withColumn("similarity", jaccard)
        .filter(col("similarity").geq(opts.nearDuplicateThreshold))
        .select("tree_a", "split_a", "prompt_a", "tree_b", "split_b", "prompt_b", "similarity");
  }

  /** One key per band: the band's number and its min-hash values. */
  static List<String> bandKeys(scala.collection.Seq<Vector> hashes, int rowsPerBand) {
    List<String> keys = new ArrayList<>();
    int bands = hashes.size() / rowsPerBand;
    for (int band = 0; band < bands; band++) {
      StringBuilder key = new StringBuilder().append(band);
      for (int r = 0; r < rowsPerBand; r++) {
        key.append(':').append((long) hashes.apply(band * rowsPerBand + r).apply(0));
      }
      keys.add(key.toString());
    }
    return keys;
  }
}
