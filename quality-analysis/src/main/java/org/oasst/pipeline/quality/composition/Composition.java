package org.oasst.pipeline.quality.composition;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_values;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The dataset composition of the paper's section 4, as a long table {@code (metric, key, value)}:
 * one row per number, {@code key} = "all" for totals and the role, state or language for breakdowns.
 */
public final class Composition {
  private Composition() {}

  public static final String ALL = "all";

  /**
   * @param messages the {@code messages} table
   * @param trees the {@code trees} table ({@code org.oasst.pipeline.core.trees.TreeSummary})
   */
  public static Dataset<Row> composition(Dataset<Row> messages, Dataset<Row> trees) {
    List<Dataset<Row>> parts = new ArrayList<>();
    int[] order = {0};

    // label counts are the number of ratings each label received; a message without labels has none
    Column ratings =
        aggregate(
            map_values(col("labels")),
            lit(0L),
            (acc, label) -> acc.plus(coalesce(label.getField("count").cast("long"), lit(0L))));
    Dataset<Row> messageTotals =
        messages.agg(
            count(lit(1)).as("messages"),
            countDistinct(col("lang")).as("languages"),
            sum(coalesce(ratings, lit(0L))).as("ratings"),
            countWhere(coalesce(col("synthetic"), lit(false))).as("synthetic_messages"),
            countWhere(coalesce(col("synthetic"), lit(false)).equalTo(false)).as("human_messages"),
            countWhere(coalesce(col("deleted"), lit(false))).as("deleted_messages"),
            countWhere(col("review_result").equalTo(false)).as("rejected_messages"),
            countDistinct(col("user_id")).as("users"));
    Dataset<Row> treeTotals =
        trees.agg(
            count(lit(1)).as("trees"),
            countWhere(col("complete")).as("complete_trees"),
            sum(when(col("complete"), col("size")).otherwise(0L)).as("messages_in_complete_trees"),
            countWhere(col("single_prompt_lottery")).as("single_prompt_lottery_trees"),
            countWhere(col("size").equalTo(1)).as("single_prompt_trees"));

    parts.add(total(messageTotals, "messages", order));
    parts.add(breakdown(messages, "messages_by_role", col("role"), order));
    parts.add(total(treeTotals, "trees", order));
    parts.add(breakdown(trees, "trees_by_state", col("tree_state"), order));
    for (String m :
        List.of("complete_trees", "messages_in_complete_trees", "single_prompt_lottery_trees", "single_prompt_trees")) {
      parts.add(total(treeTotals, m, order));
    }
    parts.add(total(messageTotals, "languages", order));
    parts.add(breakdown(messages, "messages_by_language", col("lang"), order));
    for (String m :
        List.of("ratings", "synthetic_messages", "human_messages", "deleted_messages", "rejected_messages", "users")) {
      parts.add(total(messageTotals, m, order));
    }
    Dataset<Row> all = parts.get(0);
    for (int i = 1; i < parts.size(); i++) all = all.unionByName(parts.get(i));
    return all.orderBy(col("metric_order"), col("value").desc(), col("key")).select("metric", "key", "value");
  }

  private static Dataset<Row> total(Dataset<Row> totals, String metric, int[] order) {
    return totals.select(
        lit(order[0]++).as("metric_order"),
        lit(metric).as("metric"),
        lit(ALL).as("key"),
        coalesce(col(metric).cast(DataTypes.LongType), lit(0L)).as("value"));
  }

  private static Dataset<Row> breakdown(Dataset<Row> rows, String metric, Column key, int[] order) {
    return rows.groupBy(coalesce(key, lit("(none)")).as("key"))
        .agg(count(lit(1)).as("value"))
        .select(lit(order[0]++).as("metric_order"), lit(metric).as("metric"), col("key"), col("value"));
  }

  private static Column countWhere(Column condition) {
    return sum(when(condition, 1L).otherwise(0L));
  }
}
