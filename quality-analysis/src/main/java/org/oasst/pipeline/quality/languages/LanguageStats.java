package org.oasst.pipeline.quality.languages;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/** Paper Figure 2 (left): messages and trees per language, with the long tail grouped. */
public final class LanguageStats {
  private LanguageStats() {}

  /** Stands for a message without a language ("undetermined" in BCP-47). */
  public static final String UNKNOWN_LANG = "und";

  /** The single row that groups every language beyond the top N. */
  public static final String TAIL_GROUP = "other";

  public static final StructType SCHEMA =
      new StructType()
          .add("position", DataTypes.IntegerType, false)
          .add("lang", DataTypes.StringType, false)
          .add("languages", DataTypes.IntegerType, false)
          .add("messages", DataTypes.LongType, false)
          .add("message_share", DataTypes.DoubleType, true)
          .add("prompter_messages", DataTypes.LongType, false)
          .add("prompter_share", DataTypes.DoubleType, true)
          .add("assistant_messages", DataTypes.LongType, false)
          .add("assistant_share", DataTypes.DoubleType, true)
          .add("trees", DataTypes.LongType, false)
          .add("tree_share", DataTypes.DoubleType, true);

  /**
   * One row per language among the {@code topN} with most messages (ties: language code), then one
   * {@value #TAIL_GROUP} row for the rest if any. A tree counts for the language of its initial
   * prompt (the message without parent). Shares are fractions of all messages / prompter messages /
   * assistant messages / trees. Needs columns lang, role, parent_id.
   */
  public static Dataset<Row> languages(Dataset<Row> messages, int topN) {
    if (topN < 1) throw new IllegalArgumentException("analysis.languages.top_n must be >= 1: " + topN);
    List<Row> rows =
        messages
            .select(
                coalesce(col("lang"), lit(UNKNOWN_LANG)).as("lang"),
                col("role"),
                col("parent_id").isNull().as("is_root"))
            .groupBy("lang")
            .agg(
                count(lit(1)).as("messages"),
                sum(when(col("role").equalTo(Tables.PROMPTER), 1L).otherwise(0L)).as("prompter"),
                sum(when(col("role").equalTo(Tables.ASSISTANT), 1L).otherwise(0L)).as("assistant"),
                sum(when(col("is_root"), 1L).otherwise(0L)).as("trees"))
            .collectAsList();
    Map<String, long[]> perLang = new HashMap<>();
    for (Row r : rows)
      perLang.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)});
    return table(messages.sparkSession(), perLang, topN);
  }

  /**
   * The table from the counts per language (lang, "und" for none -> messages, prompter messages,
   * assistant messages, trees), as {@link #languages} computes them.
   */
  public static Dataset<Row> table(SparkSession spark, Map<String, long[]> perLang, int topN) {
    if (topN < 1) throw new IllegalArgumentException("analysis.languages.top_n must be >= 1: " + topN);
    // At most a few hundred languages: ordering and grouping them on the driver is cheapest.
    List<Map.Entry<String, long[]>> sorted = new ArrayList<>(perLang.entrySet());
    sorted.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])
        .thenComparing(Map.Entry::getKey));
    long total = 0, prompter = 0, assistant = 0, trees = 0;
    for (Map.Entry<String, long[]> e : sorted) {
      long[] c = e.getValue();
      total += c[0];
      prompter += c[1];
      assistant += c[2];
      trees += c[3];
    }
    List<Row> out = new ArrayList<>();
    long[] tail = new long[4];
    int tailLanguages = 0;
    for (int i = 0; i < sorted.size(); i++) {
      String lang = sorted.get(i).getKey();
      long[] c = sorted.get(i).getValue();
      if (i < topN) {
        out.add(row(i + 1, lang, 1, c[0], c[1], c[2], c[3], total, prompter, assistant, trees));
      } else {
        tailLanguages++;
        for (int k = 0; k < 4; k++) tail[k] += c[k];
      }
    }
    if (tailLanguages > 0) {
      out.add(
          row(topN + 1, TAIL_GROUP, tailLanguages, tail[0], tail[1], tail[2], tail[3], total,
              prompter, assistant, trees));
    }
    return spark.createDataFrame(out, SCHEMA);
  }

  private static Row row(
      int position, String lang, int languages, long messages, long prompter, long assistant,
      long trees, long totalMessages, long totalPrompter, long totalAssistant, long totalTrees) {
    return RowFactory.create(
        position, lang, languages,
        messages, share(messages, totalMessages),
        prompter, share(prompter, totalPrompter),
        assistant, share(assistant, totalAssistant),
        trees, share(trees, totalTrees));
  }

  private static Double share(long part, long whole) {
    return whole == 0 ? null : (double) part / whole;
  }
}
