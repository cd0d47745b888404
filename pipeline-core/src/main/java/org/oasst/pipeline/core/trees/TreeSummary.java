package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.oasst.pipeline.core.schema.Tables;

/** The {@code trees} table: one row per tree of annotated messages ({@link TreeAssembly#annotate}). */
public final class TreeSummary {
  private TreeSummary() {}

  public static final String READY_FOR_EXPORT = "ready_for_export";
  public static final String PROMPT_LOTTERY_WAITING = "prompt_lottery_waiting";

  public static Dataset<Row> trees(Dataset<Row> annotated) {
    Column isRoot = col("parent_id").isNull().and(col("root_id").equalTo(col("message_id")));
    Dataset<Row> grouped =
        annotated
            .groupBy("tree_id")
            .agg(
                // the root's state and language; a tree without root takes its members' state
                coalesce(max(when(isRoot, col("tree_state"))), max(col("tree_state"))).as("tree_state"),
                max(when(isRoot, col("lang"))).as("prompt_lang"),
                count(lit(1)).as("size"),
                max(col("depth")).as("max_depth"),
                countWhere(col("role").equalTo(Tables.PROMPTER)).as("prompter_count"),
                countWhere(col("role").equalTo(Tables.ASSISTANT)).as("assistant_count"),
                countWhere(coalesce(col("deleted"), lit(false))).as("deleted_count"),
                countWhere(col("review_result").equalTo(false)).as("rejected_count"),
                countDistinct(when(col("rank").isNotNull(), col("parent_id"))).as("ranked_parent_count"),
                countWhere(coalesce(col("synthetic"), lit(false))).as("synthetic_count"),
                min(col("created_date")).as("first_created_date"),
                max(col("created_date")).as("last_created_date"),
                countWhere(isRoot).as("root_count"),
                min(col("structurally_valid")).as("structurally_valid"));
    return grouped.select(
        col("tree_id"),
        col("tree_state"),
        col("prompt_lang"),
        col("size"),
        col("max_depth"),
        col("prompter_count"),
        col("assistant_count"),
        col("deleted_count"),
        col("rejected_count"),
        col("ranked_parent_count"),
        col("synthetic_count").gt(0).as("synthetic"),
        col("synthetic_count"),
        col("first_created_date"),
        col("last_created_date"),
        coalesce(col("tree_state").equalTo(READY_FOR_EXPORT), lit(false)).as("complete"),
        coalesce(col("tree_state").equalTo(PROMPT_LOTTERY_WAITING), lit(false))
            .and(col("size").equalTo(1))
            .as("single_prompt_lottery"),
        col("root_count").equalTo(1).as("has_root"),
        col("structurally_valid"));
  }

  private static Column countWhere(Column condition) {
    return sum(when(condition, 1L).otherwise(0L));
  }
}
