package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code threads} table: one row per root-to-node path of a structurally valid tree, its
 * messages in order from the root. Its size grows with the sum of all depths, hence optional.
 */
public final class Threads {
  private Threads() {}

  public static Dataset<Row> threads(Dataset<Row> annotated) {
    Dataset<Row> valid = annotated.filter(col("structurally_valid"));
    Dataset<Row> steps =
        valid.select(
            col("message_id").as("thread_id"),
            col("tree_id"),
            col("is_leaf"),
            posexplode(col("path")).as(new String[] {"position", "step_id"}));
    Dataset<Row> content =
        valid.select(
            col("message_id").as("step_id"),
            struct(
                    col("message_id"),
                    col("parent_id"),
                    col("role"),
                    col("text"),
                    col("lang"),
                    col("rank"),
                    col("deleted"),
                    col("synthetic"),
                    col("review_result"),
                    col("created_date"))
                .as("message"));
    Dataset<Row> joined = steps.join(content, "step_id");
    return joined
        .groupBy("thread_id")
        .agg(
            first("tree_id").as("tree_id"),
            first("is_leaf").as("ends_at_leaf"),
            // sorting (position, message) structs puts the messages in path order
            sort_array(collect_list(struct(col("position"), col("message")))).as("steps"))
        .select(
            col("thread_id"),
            col("tree_id"),
            size(col("steps")).as("length"),
            col("ends_at_leaf"),
            col("steps.message").as("messages"))
        .withColumn("last_role", element_at(col("messages.role"), -1));
  }
}
