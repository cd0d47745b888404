package org.oasst.pipeline.quality.ranking;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.oasst.pipeline.core.schema.Tables;
import scala.collection.Seq;

/** Rank statistics over the exported ranks, and the ranked-pairs merge as a DataFrame function. */
public final class RankStats {
  private RankStats() {}

  /**
   * Per parent with at least one assistant reply: parent_id, assistant_replies, ranked_replies.
   * Needs parent_id, role, rank.
   */
  public static Dataset<Row> perParent(Dataset<Row> messages) {
    return messages
        .filter(col("parent_id").isNotNull().and(col("role").equalTo(Tables.ASSISTANT)))
        .groupBy("parent_id")
        .agg(count(lit(1)).as("assistant_replies"), count(col("rank")).as("ranked_replies"),
            max("rank").as("max_rank"));
  }

  /** One row: how many parents have replies, 2+ replies, ranked replies; ranked reply count. */
  public static Dataset<Row> summary(Dataset<Row> perParent) {
    return perParent.agg(
        count(lit(1)).as("parents_with_assistant_replies"),
        sum(when(col("assistant_replies").geq(2), 1L).otherwise(0L)).as("parents_with_2plus_assistant_replies"),
        sum(when(col("ranked_replies").gt(0), 1L).otherwise(0L)).as("ranked_parents"),
        sum(when(col("ranked_replies").geq(2), 1L).otherwise(0L)).as("parents_with_2plus_ranked"),
        sum("assistant_replies").as("assistant_replies"),
        sum("ranked_replies").as("ranked_replies"),
        max("max_rank").as("max_rank"));
  }

  /**
   * Distribution of the number of ranked siblings over ranked parents: ranked_siblings, parents.
   * One row per distinct sibling count (a handful), ordered on the driver.
   */
  public static Dataset<Row> siblingDistribution(Dataset<Row> perParent) {
    Dataset<Row> counts =
        perParent
            .filter(col("ranked_replies").gt(0))
            .groupBy(col("ranked_replies").as("ranked_siblings"))
            .agg(count(lit(1)).as("parents"));
    List<Row> rows = new ArrayList<>(counts.collectAsList());
    rows.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    return perParent.sparkSession().createDataFrame(rows, counts.schema());
  }

  private static final UserDefinedFunction MERGE =
      udf(
          (UDF1<Seq<Seq<String>>, List<String>>)
              rankings -> {
                List<List<String>> lists = new ArrayList<>();
                scala.collection.Iterator<Seq<String>> it = rankings.iterator();
                while (it.hasNext()) {
                  List<String> one = new ArrayList<>();
                  scala.collection.Iterator<String> ids = it.next().iterator();
                  while (ids.hasNext()) one.add(ids.next());
                  lists.add(one);
                }
                return RankedPairs.merge(lists);
              },
          DataTypes.createArrayType(DataTypes.StringType, false));

  /**
   * Ranked-pairs consensus per parent. Input: parent_id, ranking (array of message ids, best first),
   * one row per reviewer's ranking. Output: parent_id, message_id, rank (0 = best) for every id the
   * merge ranks; parents whose rankings share fewer than two ids get no rows.
   */
  public static Dataset<Row> consensus(Dataset<Row> rankings) {
    return rankings
        .groupBy("parent_id")
        .agg(collect_list(col("ranking")).as("rankings"))
        .select(col("parent_id"), posexplode(MERGE.apply(col("rankings"))).as(new String[] {"rank", "message_id"}))
        .select(col("parent_id"), col("message_id"), col("rank"));
  }
}
