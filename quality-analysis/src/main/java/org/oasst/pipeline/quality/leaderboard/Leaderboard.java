package org.oasst.pipeline.quality.leaderboard;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.round;
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
import org.apache.spark.sql.RowFactory;
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

  /**
   * Per message with a user id, the frames it falls in and its score terms. Needs user_id,
   * created_date, parent_id, role, review_result, rank, deleted, tree_state, emojis, labels.
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
    out.add(emoji("red_flag", notDeleted).as("red_flags"));
    out.add(emoji("+1", notDeleted).as("upvotes"));
    out.add(emoji("-1", notDeleted).as("downvotes"));
    out.add(flag(isPrompt.and(col("tree_state").equalTo("aborted_low_grade"))).as("spam_prompts"));
    for (String label : TROLL_LABELS) {
      Column lv = element_at(col("labels"), label);
      // mean x count is the sum of the reviewers' votes (multiples of 1/4): rounding the float
      // product back onto that grid keeps the sums exact whatever order Spark adds them in.
      out.add(coalesce(round(lv.getField("value").multiply(lv.getField("count")), 6), lit(0.0)).as(label));
    }
    return messages
        .filter(col("user_id").isNotNull())
        .select(out.toArray(Column[]::new))
        .filter(col("time_frame").isNotNull());
  }

  private static Column flag(Column condition) {
    return when(condition, 1L).otherwise(0L);
  }

  private static Column emoji(String name, Column notDeleted) {
    return when(notDeleted, coalesce(element_at(col("emojis"), name).cast("long"), lit(0L)))
        .otherwise(0L);
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
   * out), every term (unavailable ones null). Position: score descending, then user id. The
   * per-user table has at most one row per user and time frame, so positions are assigned on the
   * driver (no window over all users).
   */
  public static Dataset<Row> leaderboard(Dataset<Row> perUser) {
    return perUser.sparkSession().createDataFrame(leaderboardRows(perUser.collectAsList()), LEADERBOARD_SCHEMA);
  }

  /** {@link #leaderboard} from the collected per-user rows. */
  public static List<Row> leaderboardRows(List<Row> perUser) {
    List<Object[]> scored = new ArrayList<>();
    for (Row r : perUser) {
      long[] t = new long[LEADER_TERMS.size()];
      for (int i = 0; i < t.length; i++) t[i] = r.<Long>getAs(LEADER_TERMS.get(i));
      long score =
          (long) Math.floor(t[0] * 0.1) + t[1] * 4 + t[2] + (long) Math.floor(t[3] * 0.1)
              + t[4] * 4 + t[5] + t[6] * 9 + t[7] * 3 + t[8];
      Object[] v = new Object[LEADERBOARD_SCHEMA.size()];
      int i = 0;
      v[i++] = r.getAs("time_frame");
      v[i++] = null; // position, below
      v[i++] = r.getAs("user_id");
      v[i++] = score;
      v[i++] = false;
      for (int k = 0; k < 3; k++) v[i++] = t[k];
      for (int k = 0; k < UNAVAILABLE_LEADER_TERMS.size(); k++) v[i++] = null;
      for (int k = 3; k < t.length; k++) v[i++] = t[k];
      scored.add(v);
    }
    return positioned(scored, (a, b) -> Long.compare((Long) b[3], (Long) a[3]));
  }

  /**
   * time_frame, position, user_id, troll_score, every term. Position: troll score descending, then
   * user id. Every user is listed, also those with a score of 0 or less.
   */
  public static Dataset<Row> trollboard(Dataset<Row> perUser) {
    return perUser.sparkSession().createDataFrame(trollboardRows(perUser.collectAsList()), TROLLBOARD_SCHEMA);
  }

  /** {@link #trollboard} from the collected per-user rows. */
  public static List<Row> trollboardRows(List<Row> perUser) {
    List<Object[]> scored = new ArrayList<>();
    for (Row r : perUser) {
      long[] c = new long[TROLL_COUNTS.size()];
      for (int i = 0; i < c.length; i++) c[i] = r.<Long>getAs(TROLL_COUNTS.get(i));
      double[] l = new double[TROLL_LABELS.size()];
      for (int i = 0; i < l.length; i++) l[i] = r.<Double>getAs(TROLL_LABELS.get(i));
      // Integer terms first, then the label sums, in the order the score is defined.
      double score = c[0] * 3 - c[1] + c[2] + c[3];
      for (double x : l) score += x;
      Object[] v = new Object[TROLLBOARD_SCHEMA.size()];
      int i = 0;
      v[i++] = r.getAs("time_frame");
      v[i++] = null;
      v[i++] = r.getAs("user_id");
      v[i++] = score;
      for (long x : c) v[i++] = x;
      for (double x : l) v[i++] = x;
      scored.add(v);
    }
    return positioned(scored, (a, b) -> Double.compare((Double) b[3], (Double) a[3]));
  }

  /** Sorts by time frame, then score, then user id, and numbers the rows within each frame. */
  private static List<Row> positioned(List<Object[]> rows, java.util.Comparator<Object[]> byScore) {
    rows.sort(java.util.Comparator.<Object[], String>comparing(v -> (String) v[0])
        .thenComparing(byScore)
        .thenComparing(v -> (String) v[2]));
    List<Row> out = new ArrayList<>(rows.size());
    String frame = null;
    int position = 0;
    for (Object[] v : rows) {
      if (!v[0].equals(frame)) {
        frame = (String) v[0];
        position = 0;
      }
      v[1] = ++position;
      out.add(RowFactory.create(v));
    }
    return out;
  }
}
