package org.oasst.pipeline.quality.leaderboard;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Leaderboard and trollboard of paper section 3.4 / reference 4.5, per time frame, from what an
 * export carries. Terms the export cannot supply (who labelled and who ranked) are null columns, never
 * 0, and {@link #UNAVAILABLE_LEADER_TERMS} names them; the score then sums the available terms.
 */
public final class Leaderboard {
  private Leaderboard() {}

  /** Leader-score terms that need the platform's text_labels and message_reaction tables. */
  public static final List<String> UNAVAILABLE_LEADER_TERMS =
      List.of("simple_labels", "full_labels", "rankings");

  /** Troll-score label terms: the sum of the label's values received (mean x count per message). */
  public static final List<String> TROLL_LABELS =
      List.of("lang_mismatch", "not_appropriate", "pii", "hate_speech", "sexual_content",
          "political_content");

  public static final List<String> TIME_FRAMES = List.of("day", "week", "month", "total");

  /**
   * The time frames as windows ending at {@code reference} (inclusive), starting strictly after
   * reference minus the frame's length. {@code total} has no bound. Messages without created_date
   * count only in {@code total}.
   */
  public static Map<String, Duration> frameLengths(int monthDays) {
    Map<String, Duration> m = new LinkedHashMap<>();
    m.put("day", Duration.ofDays(1));
    m.put("week", Duration.ofDays(7));
    m.put("month", Duration.ofDays(monthDays));
    return m;
  }

  /** The emojis the troll score counts, in the order of {@link #mapColumns}. */
  public static final List<String> EMOJIS = List.of("red_flag", "+1", "-1");

  private static final Map<String, String> EMOJI_TERMS =
      Map.of("red_flag", "red_flags", "+1", "upvotes", "-1", "downvotes");

  /** The projected column holding an emoji's count (one of {@link #EMOJIS}). */
  public static String emojiColumn(String emoji) {
    return "emoji_" + EMOJI_TERMS.get(emoji);
  }

  /** The projected column holding a troll label's sum (one of {@link #TROLL_LABELS}). */
  public static String trollColumn(String label) {
    return "troll_" + label;
  }

  /**
   * The emoji counts and troll label sums the boards read, taken out of the emojis and labels maps
   * when the messages are projected: the cached projection then holds a few numbers per message
   * instead of both maps. Columns emoji_red_flags, emoji_upvotes, emoji_downvotes (missing = 0)
   * and troll_LABEL for each of {@link #TROLL_LABELS}.
   */
  public static List<Column> mapColumns() {
    List<Column> out = new ArrayList<>();
    for (String name : EMOJIS)
      out.add(coalesce(element_at(col("emojis"), name).cast("long"), lit(0L)).as(emojiColumn(name)));
    for (String label : TROLL_LABELS) {
      Column lv = element_at(col("labels"), label);
      // mean x count is the sum of the reviewers' votes (multiples of 1/4): rounding the float
      // product back onto that grid keeps the sums exact whatever order Spark adds them in.
      out.add(coalesce(round(lv.getField("value").multiply(lv.getField("count")), 6), lit(0.0))
          .as(trollColumn(label)));
    }
    return out;
  }

  /**
   * Per message with a user id, the frames it falls in and its score terms. Needs user_id,
   * created_date, parent_id, role, review_result, rank, deleted, tree_state and the
   * {@link #mapColumns}.
   */
  static Dataset<Row> terms(Dataset<Row> messages, Instant reference, int monthDays) {
    Column isPrompt = col("parent_id").isNull();
    Column isAssistant = col("role").equalTo(Tables.ASSISTANT);
    Column isPrompterReply = not(isPrompt).and(not(isAssistant));
    Column accepted = coalesce(col("review_result"), lit(false));
    Column notDeleted = not(coalesce(col("deleted"), lit(false)));
    List<Column> frames = new ArrayList<>();
    frames.add(lit("total"));
    if (reference != null) {
      Timestamp ref = Timestamp.from(reference);
      for (Map.Entry<String, Duration> f : frameLengths(monthDays).entrySet()) {
        Timestamp start = Timestamp.from(reference.minus(f.getValue()));
        frames.add(
            when(col("created_date").gt(lit(start)).and(col("created_date").leq(lit(ref))),
                lit(f.getKey())));
      }
    }
    List<Column> out = new ArrayList<>();
    out.add(col("user_id"));
    out.add(explode(array(frames.toArray(Column[]::new))).as("time_frame"));
    out.add(flag(isPrompt).as("prompts"));
    out.add(flag(isAssistant.and(not(isPrompt))).as("assistant_replies"));
    out.add(flag(isPrompterReply).as("prompter_replies"));
    out.add(flag(isPrompt.and(accepted)).as("accepted_prompts"));
    out.add(flag(isAssistant.and(not(isPrompt)).and(accepted)).as("accepted_assistant_replies"));
    out.add(flag(isPrompterReply.and(accepted)).as("accepted_prompter_replies"));
    out.add(flag(isAssistant.and(col("rank").equalTo(0))).as("ranked_1st"));
    out.add(flag(isAssistant.and(col("rank").equalTo(1))).as("ranked_2nd"));
    out.add(flag(isAssistant.and(col("rank").equalTo(2))).as("ranked_3rd"));
    out.add(emoji("red_flags", notDeleted).as("red_flags"));
    out.add(emoji("upvotes", notDeleted).as("upvotes"));
    out.add(emoji("downvotes", notDeleted).as("downvotes"));
    out.add(flag(isPrompt.and(col("tree_state").equalTo("aborted_low_grade"))).as("spam_prompts"));
    for (String label : TROLL_LABELS) out.add(col(trollColumn(label)).as(label));
    return messages
        .filter(col("user_id").isNotNull())
        .select(out.toArray(Column[]::new))
        .filter(col("time_frame").isNotNull());
  }

  private static Column flag(Column condition) {
    return when(condition, 1L).otherwise(0L);
  }

  private static Column emoji(String term, Column notDeleted) {
    return when(notDeleted, col("emoji_" + term)).otherwise(0L);
  }

  private static final List<String> SUMMED =
      List.of("prompts", "assistant_replies", "prompter_replies", "accepted_prompts",
          "accepted_assistant_replies", "accepted_prompter_replies", "ranked_1st", "ranked_2nd",
          "ranked_3rd", "red_flags", "upvotes", "downvotes", "spam_prompts", "lang_mismatch",
          "not_appropriate", "pii", "hate_speech", "sexual_content", "political_content");

  /** Per time frame and user: every summed term (one aggregation for both boards). */
  public static Dataset<Row> perUser(Dataset<Row> messages, Instant reference, int monthDays) {
    List<Column> aggs = new ArrayList<>();
    for (String t : SUMMED) aggs.add(sum(t).as(t));
    return terms(messages, reference, monthDays)
        .groupBy("time_frame", "user_id")
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  private static final List<String> LEADER_TERMS =
      List.of("prompts", "assistant_replies", "prompter_replies", "accepted_prompts",
          "accepted_assistant_replies", "accepted_prompter_replies", "ranked_1st", "ranked_2nd",
          "ranked_3rd");
  private static final List<String> TROLL_COUNTS =
      List.of("red_flags", "upvotes", "downvotes", "spam_prompts");

  public static final StructType LEADERBOARD_SCHEMA = leaderboardSchema();
  public static final StructType TROLLBOARD_SCHEMA = trollboardSchema();

  private static StructType leaderboardSchema() {
    StructType s = new StructType()
        .add("time_frame", DataTypes.StringType, false)
        .add("position", DataTypes.IntegerType, false)
        .add("user_id", DataTypes.StringType, true)
        .add("leader_score", DataTypes.LongType, true)
        .add("score_complete", DataTypes.BooleanType, false);
    for (String t : LEADER_TERMS.subList(0, 3)) s = s.add(t, DataTypes.LongType, true);
    for (String t : UNAVAILABLE_LEADER_TERMS) s = s.add(t, DataTypes.LongType, true);
    for (String t : LEADER_TERMS.subList(3, LEADER_TERMS.size())) s = s.add(t, DataTypes.LongType, true);
    return s;
  }

  private static StructType trollboardSchema() {
    StructType s = new StructType()
        .add("time_frame", DataTypes.StringType, false)
        .add("position", DataTypes.IntegerType, false)
        .add("user_id", DataTypes.StringType, true)
        .add("troll_score", DataTypes.DoubleType, true);
    for (String t : TROLL_COUNTS) s = s.add(t, DataTypes.LongType, true);
    for (String t : TROLL_LABELS) s = s.add(t, DataTypes.DoubleType, true);
    return s;
  }

  /**
   * time_frame, position, user_id, leader_score, score_complete (false: unavailable terms left
   * out), every term (unavailable ones null). Position: score descending, then user id. Computed in
   * Spark: the per-user table has a row per user and time frame, which at 10M messages is ~800k users
   * and more than a driver's heap holds as rows.
   */
  public static Dataset<Row> leaderboard(Dataset<Row> perUser) {
    Column score =
        floor(col("prompts").multiply(0.1)).cast("long")
            .plus(col("assistant_replies").multiply(4))
            .plus(col("prompter_replies"))
            .plus(floor(col("accepted_prompts").multiply(0.1)).cast("long"))
            .plus(col("accepted_assistant_replies").multiply(4))
            .plus(col("accepted_prompter_replies"))
            .plus(col("ranked_1st").multiply(9))
            .plus(col("ranked_2nd").multiply(3))
            .plus(col("ranked_3rd"));
    List<Column> out = new ArrayList<>();
    out.add(col("time_frame"));
    out.add(position("leader_score"));
    out.add(col("user_id"));
    out.add(col("leader_score"));
    out.add(lit(false).as("score_complete"));
    for (String t : LEADER_TERMS.subList(0, 3)) out.add(col(t));
    for (String t : UNAVAILABLE_LEADER_TERMS) out.add(lit(null).cast("long").as(t));
    for (String t : LEADER_TERMS.subList(3, LEADER_TERMS.size())) out.add(col(t));
    return perUser.withColumn("leader_score", score).select(out.toArray(Column[]::new));
  }

  /**
   * time_frame, position, user_id, troll_score, every term. Position: troll score descending, then
   * user id. Every user is listed, also those with a score of 0 or less.
   */
  public static Dataset<Row> trollboard(Dataset<Row> perUser) {
    // Integer terms first, then the label sums one by one, in the order the score is defined, so the
    // double sum is the same on any cluster.
    Column score =
        col("red_flags").multiply(3).minus(col("upvotes")).plus(col("downvotes")).plus(col("spam_prompts"))
            .cast("double");
    for (String label : TROLL_LABELS) score = score.plus(col(label));
    List<Column> out = new ArrayList<>();
    out.add(col("time_frame"));
    out.add(position("troll_score"));
    out.add(col("user_id"));
    out.add(col("troll_score"));
    for (String t : TROLL_COUNTS) out.add(col(t));
    for (String t : TROLL_LABELS) out.add(col(t));
    return perUser.withColumn("troll_score", score).select(out.toArray(Column[]::new));
  }

  /** Rank within the time frame: score descending, then user id. */
  private static Column position(String score) {
    return row_number()
        .over(Window.partitionBy(col("time_frame")).orderBy(col(score).desc(), col("user_id").asc()))
        .as("position");
  }
}
