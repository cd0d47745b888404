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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The dataset composition of the paper's section 4, as a long table {@code (metric, key, value)}:
 * one row per number, {@code key} = "all" for totals and the role, state or language for breakdowns.
 */
public final class Composition {
  private Composition() {}

  public static final String ALL = "all";

  public static final StructType SCHEMA =
      new StructType()
          .add("metric", DataTypes.StringType, false)
          .add("key", DataTypes.StringType, false)
          .add("value", DataTypes.LongType, false);

  private static final String NONE = "(none)";

  /**
   * Every number comes from two small aggregations, each one pass over its table (messages by role
   * and language, trees by state), plus a count of distinct user ids and, with a labels table, the
   * sum of its counts; the totals and breakdowns are summed from those few rows on the driver.
   *
   * @param messages the {@code messages} table
   * @param trees the {@code trees} table ({@code org.oasst.pipeline.core.trees.TreeSummary})
   */
  public static Dataset<Row> composition(Dataset<Row> messages, Dataset<Row> trees) {
    return composition(messages, trees, null);
  }

  /**
   * @param labels the {@code labels} table made from {@code messages}, or null: the ratings are
   *     then summed from the messages' label maps (the same numbers, read from a column that is far
   *     more costly to decode than the table's flat counts)
   */
  public static Dataset<Row> composition(Dataset<Row> messages, Dataset<Row> trees, Dataset<Row> labels) {
    List<Column> perGroup =
        new ArrayList<>(
            List.of(
                countWhere(coalesce(col("synthetic"), lit(false))).as("synthetic_messages"),
                countWhere(col("deleted").equalTo(true)).as("deleted_messages"),
                countWhere(col("review_result").equalTo(false)).as("rejected_messages")));
    if (labels == null) {
      // label counts are the number of ratings each label received; a message without labels has none
      Column ratings =
          aggregate(
              map_values(col("labels")),
              lit(0L),
              (acc, label) -> acc.plus(coalesce(label.getField("count").cast("long"), lit(0L))));
      perGroup.add(sum(coalesce(ratings, lit(0L))).as("ratings"));
    }
    List<Row> byRoleAndLang =
        messages
            .groupBy(col("role"), col("lang"))
            .agg(count(lit(1)).as("messages"), perGroup.toArray(Column[]::new))
            .collectAsList();
    long users = messages.agg(countDistinct(col("user_id"))).first().getLong(0);
    List<Row> byState =
        trees
            .groupBy(col("tree_state"))
            .agg(
                count(lit(1)).as("trees"),
                countWhere(col("complete")).as("complete_trees"),
                sum(when(col("complete"), col("size")).otherwise(0L)).as("messages_in_complete_trees"),
                countWhere(col("single_prompt_lottery")).as("single_prompt_lottery_trees"),
                countWhere(col("size").equalTo(1)).as("single_prompt_trees"))
            .collectAsList();

    Map<String, Long> messageTotals = sums(byRoleAndLang, 2);
    if (labels != null) {
      Row rated = labels.agg(sum(coalesce(col("count").cast("long"), lit(0L)))).first();
      messageTotals.put("ratings", rated.isNullAt(0) ? 0L : rated.getLong(0));
    }
    Map<String, Long> treeTotals = sums(byState, 1);
    Map<String, Long> byRole = new HashMap<>();
    Map<String, Long> byLanguage = new HashMap<>();
    Set<String> languages = new HashSet<>();
    for (Row r : byRoleAndLang) {
      byRole.merge(r.isNullAt(0) ? NONE : r.getString(0), r.getLong(2), Long::sum);
      byLanguage.merge(r.isNullAt(1) ? NONE : r.getString(1), r.getLong(2), Long::sum);
      if (!r.isNullAt(1)) languages.add(r.getString(1));
    }
    Map<String, Long> byStateCounts = new HashMap<>();
    for (Row r : byState) byStateCounts.merge(r.isNullAt(0) ? NONE : r.getString(0), r.getLong(1), Long::sum);

    List<Row> out = new ArrayList<>();
    out.add(total("messages", messageTotals.get("messages")));
    out.addAll(breakdown("messages_by_role", byRole));
    out.add(total("trees", treeTotals.get("trees")));
    out.addAll(breakdown("trees_by_state", byStateCounts));
    for (String m :
        List.of("complete_trees", "messages_in_complete_trees", "single_prompt_lottery_trees", "single_prompt_trees")) {
      out.add(total(m, treeTotals.get(m)));
    }
    out.add(total("languages", (long) languages.size()));
    out.addAll(breakdown("messages_by_language", byLanguage));
    out.add(total("ratings", messageTotals.get("ratings")));
    out.add(total("synthetic_messages", messageTotals.get("synthetic_messages")));
    out.add(
        total("human_messages",
            messageTotals.getOrDefault("messages", 0L) - messageTotals.getOrDefault("synthetic_messages", 0L)));
    out.add(total("deleted_messages", messageTotals.get("deleted_messages")));
    out.add(total("rejected_messages", messageTotals.get("rejected_messages")));
    out.add(total("users", users));
    return messages.sparkSession().createDataFrame(out, SCHEMA).coalesce(1);
  }

  /** Column sums of the aggregated rows from {@code first} on, by column name. */
  private static Map<String, Long> sums(List<Row> rows, int first) {
    Map<String, Long> totals = new HashMap<>();
    for (Row r : rows) {
      for (int i = first; i < r.size(); i++) {
        totals.merge(r.schema().fields()[i].name(), r.isNullAt(i) ? 0L : r.getLong(i), Long::sum);
      }
    }
    return totals;
  }

  private static Row total(String metric, Long value) {
    // an empty table has no rows to sum: its totals are 0
    return RowFactory.create(metric, ALL, value == null ? 0L : value);
  }

  /** One row per key, largest first, ties by key (in Spark's order of strings, by UTF-8 bytes). */
  private static List<Row> breakdown(String metric, Map<String, Long> counts) {
    List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
    entries.sort(
        Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
            .thenComparing(e -> UTF8String.fromString(e.getKey())));
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Long> e : entries) rows.add(RowFactory.create(metric, e.getKey(), e.getValue()));
    return rows;
  }

  private static Column countWhere(Column condition) {
    return sum(when(condition, 1L).otherwise(0L));
  }
}
