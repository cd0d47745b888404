package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Flattens the messages table into the plain numeric columns the statistics need: one column per
 * Detoxify category ({@code d_<category>}) and per human label mean ({@code l_<label>}).
 */
public final class ToxicityColumns {
  private ToxicityColumns() {}

  public static final List<String> DETOXIFY = Tables.DETOXIFY_CATEGORIES;

  public static String detoxColumn(String category) {
    return "d_" + category;
  }

  public static String labelColumn(String label) {
    return "l_" + label;
  }

  /**
   * message_id, message_tree_id, tree_state, lang, deleted, review_result, score_source and the
   * d_ and l_ columns. score_source is {@code observed} where the export carries Detoxify scores,
   * null otherwise.
   */
  public static Dataset<Row> flatten(Dataset<Row> messages, List<String> labels) {
    requireColumns(messages, "message_id", "message_tree_id", "tree_state", "lang", "deleted",
        "review_result", "detoxify", "labels");
    List<Column> cols = new ArrayList<>();
    for (String c : List.of("message_id", "message_tree_id", "tree_state", "lang", "deleted", "review_result"))
      cols.add(col(c));
    cols.add(
        org.apache.spark.sql.functions
            .when(col("detoxify").isNotNull(), lit("observed"))
            .otherwise(lit(null).cast("string"))
            .as("score_source"));
    for (String c : DETOXIFY) cols.add(col("detoxify").getField(c).cast("double").as(detoxColumn(c)));
    for (String l : labels) cols.add(col("labels").getItem(l).getField("value").cast("double").as(labelColumn(l)));
    return messages.select(cols.toArray(Column[]::new));
  }

  /**
   * Replaces the observed Detoxify columns by a scores table (message_id, the seven categories,
   * score_source) that also carries predicted scores, so that analyses can include them.
   */
  public static Dataset<Row> withScores(Dataset<Row> flat, Dataset<Row> scores) {
    requireColumns(scores, "message_id", "score_source");
    List<Column> keep = new ArrayList<>();
    for (String c : flat.columns())
      if (!c.startsWith("d_") && !c.equals("score_source")) keep.add(flat.col(c));
    List<Column> s = new ArrayList<>();
    s.add(col("message_id").as("_sid"));
    s.add(col("score_source"));
    for (String c : DETOXIFY) s.add(col(c).cast("double").as(detoxColumn(c)));
    Dataset<Row> sc = scores.select(s.toArray(Column[]::new));
    Dataset<Row> joined = flat.select(keep.toArray(Column[]::new))
        .join(sc, col("message_id").equalTo(col("_sid")), "left")
        .drop("_sid");
    return joined;
  }

  static void requireColumns(Dataset<Row> df, String... names) {
    List<String> have = List.of(df.columns());
    for (String n : names)
      if (!have.contains(n))
        throw new IllegalArgumentException("input lacks column '" + n + "'; has " + have);
  }
}
