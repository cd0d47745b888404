package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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
   * <p>The min-hashes are Spark ML's MinHash LSH ({@link MinHashBands}); the candidate pairs come from
   * bands of them ({@code hash_tables} bands of {@code rows_per_band} hashes, a pair is a candidate when
   * all hashes of one band agree). Spark's own similarity join ORs single hashes, which at a threshold
   * like 0.8 makes most unrelated prompts of a language candidates (their common shingles give them a
   * Jaccard of 0.1-0.2): the banding keeps the candidates near the threshold, and the similarity of
   * every candidate is then computed exactly on the shingle sets. Only band keys shared by prompts of
   * different splits matter, so the rows that travel are (band key, split order, tree id) until the
   * few candidate pairs are known, and only keys that a later split's prompt has are kept.
   */
  public static Dataset<Row> nearDuplicates(Dataset<Row> treePrompts, DatasetOptions opts) {
    int n = opts.shingleSize;
    Dataset<Row> prompts =
        treePrompts
            .filter(length(col("normalized")).geq(n))
            .withColumn("order", splitOrder(col("split")));
    MinHashBands minHash =
        MinHashBands.fit(prompts.sparkSession(), n, opts.hashTables, opts.rowsPerBand, opts.splitSeed);
    // A band key can only pair prompts of different splits if a prompt of a later split has it (the
    // earlier split comes first in a pair). The later splits are small: their band keys are gathered
    // and shipped to every task, where each prompt keeps only the keys among them (instead of
    // shuffling every prompt's keys into a join).
    UserDefinedFunction bandKeys =
        udf((UDF1<String, List<Long>>) minHash::bandKeys, DataTypes.createArrayType(DataTypes.LongType));
    List<List<Long>> laterKeys = new ArrayList<>();
    for (Row r : prompts.filter(col("order").gt(0)).select(bandKeys.apply(col("normalized"))).collectAsList()) {
      laterKeys.add(r.getList(0));
    }
    Broadcast<MinHashBands.BandIndex> later =
        JavaSparkContext.fromSparkContext(prompts.sparkSession().sparkContext())
            .broadcast(new MinHashBands.BandIndex(laterKeys));
    UserDefinedFunction laterBandKeys =
        udf((UDF1<String, List<Long>>) text -> minHash.bandKeysIn(text, later.value()),
            DataTypes.createArrayType(DataTypes.LongType));
    Dataset<Row> buckets =
        prompts
            .select(col("message_tree_id"), col("order"), explode(laterBandKeys.apply(col("normalized"))).as("band_key"))
            .groupBy(col("band_key"))
            .agg(
                min(col("order")).as("lo"),
                max(col("order")).as("hi"),
                collect_list(struct(col("order"), col("message_tree_id"))).as("members"))
            .filter(col("lo").lt(col("hi")));
    Dataset<Row> candidates =
        buckets
            .select("members")
            .flatMap((FlatMapFunction<Row, Row>) Leakage::crossSplitPairs, Encoders.row(PAIR))
            .distinct();
    Dataset<Row> a =
        prompts.select(
            col("message_tree_id").as("tree_a"), col("split").as("split_a"),
            col("prompt").as("prompt_a"), col("normalized").as("normalized_a"));
    Dataset<Row> b =
        prompts.select(
            col("message_tree_id").as("tree_b"), col("split").as("split_b"),
            col("prompt").as("prompt_b"), col("normalized").as("normalized_b"));
    UserDefinedFunction jaccard =
        udf((UDF2<String, String, Double>) (x, y) -> MinHashBands.jaccard(x, y, n), DataTypes.DoubleType);
    return candidates
        .join(a, "tree_a")
        .join(b, "tree_b")
        .filter(col("normalized_a").notEqual(col("normalized_b")))
        .withColumn("similarity", jaccard.apply(col("normalized_a"), col("normalized_b")))
        .filter(col("similarity").geq(opts.nearDuplicateThreshold))
        .select("tree_a", "split_a", "prompt_a", "tree_b", "split_b", "prompt_b", "similarity");
  }

  private static final StructType PAIR =
      new StructType().add("tree_a", DataTypes.StringType).add("tree_b", DataTypes.StringType);

  /** Every pair of one bucket's trees from different splits, the earlier split first. */
  private static Iterator<Row> crossSplitPairs(Row bucket) {
    List<Row> members = bucket.getList(0);
    List<Row> pairs = new ArrayList<>();
    for (Row x : members) {
      for (Row y : members) {
        if (x.getInt(0) < y.getInt(0)) pairs.add(RowFactory.create(x.getString(1), y.getString(1)));
      }
    }
    return pairs.iterator();
  }
}
