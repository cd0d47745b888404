package org.oasst.pipeline.quality.leaderboard;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.quality.Msg;
import org.oasst.pipeline.quality.QualityStage;

/**
 * Reference time 2023-02-10T00:00Z. Day: after 02-09T00:00; week: after 02-03; month (30 days):
 * after 01-11. Worked out by hand per user in the comments.
 */
class LeaderboardTest {
  static Dataset<Row> perUser;

  static Dataset<Row> table() {
    Msg p1 = Msg.prompt("P1", "u1").created("2023-02-09T12:00:00Z").reviews(3, true);
    Msg p2 = Msg.prompt("P2", "u1").created("2023-02-01T00:00:00Z").reviews(3, false)
        .state("aborted_low_grade");
    Msg a1 = Msg.reply("A1", p1, "u2").created("2023-02-09T13:00:00Z").reviews(3, true).rank(0)
        .emoji("+1", 2).emoji("red_flag", 1);
    Msg a2 = Msg.reply("A2", p1, "u2").created("2023-01-01T00:00:00Z").reviews(3, true).rank(1)
        .deleted(true).emoji("-1", 5).label("pii", 0.5, 2);
    Msg r1 = Msg.reply("R1", a1, "u3").created("2023-02-09T14:00:00Z").reviews(3, true)
        .emoji("-1", 1).label("lang_mismatch", 1 / 3.0, 3);
    Msg a3 = Msg.reply("A3", p1, "u3").rank(2);
    Msg anon = Msg.reply("A4", p1, null).created("2023-02-09T15:00:00Z").rank(3).emoji("red_flag", 9);
    return Msg.table(p1, p2, a1, a2, r1, a3, anon);
  }

  @BeforeAll
  static void setUp() {
    perUser = Leaderboard.perUser(QualityStage.project(table()), Instant.parse("2023-02-10T00:00:00Z"), 30).cache();
  }

  private static List<Row> board(Dataset<Row> b, String frame) {
    return b.filter(col("time_frame").equalTo(frame)).orderBy("position").collectAsList();
  }

  @Test
  void leaderboardTotal() {
    List<Row> rows = board(Leaderboard.leaderboard(perUser), "total");
    // u2: 4*2 replies + 4*2 accepted + 9 (1st) + 3 (2nd) = 28; u3: 1 + 1 + 4 + 1 (3rd) = 7;
    // u1: int(0.1*2) + int(0.1*1) = 0. The message without user id is on no board.
    assertEquals(List.of("u2", "u3", "u1"), rows.stream().map(r -> r.<String>getAs("user_id")).toList());
    assertEquals(List.of(28L, 7L, 0L), rows.stream().map(r -> r.<Long>getAs("leader_score")).toList());
    Row u2 = rows.get(0);
    assertNull(u2.getAs("simple_labels"), "unavailable terms are null, not 0");
    assertNull(u2.getAs("rankings"));
    assertFalse(u2.<Boolean>getAs("score_complete"));
  }

  @Test
  void leaderboardDayWeekMonth() {
    // day and week: P1 (u1), A1 (u2: 4+4+9 = 17), R1 (u3: 1+1 = 2).
    for (String frame : List.of("day", "week")) {
      List<Row> rows = board(Leaderboard.leaderboard(perUser), frame);
      assertEquals(List.of("u2", "u3", "u1"), rows.stream().map(r -> r.<String>getAs("user_id")).toList(), frame);
      assertEquals(List.of(17L, 2L, 0L), rows.stream().map(r -> r.<Long>getAs("leader_score")).toList(), frame);
    }
    // month adds P2 (u1 prompts 2).
    Row u1 = board(Leaderboard.leaderboard(perUser), "month").stream()
        .filter(r -> "u1".equals(r.getAs("user_id"))).findFirst().orElseThrow();
    assertEquals(2L, u1.<Long>getAs("prompts"));
    assertEquals(1L, u1.<Long>getAs("accepted_prompts"));
  }

  @Test
  void trollboard() {
    // total: u2: 3*1 red flag - 2 upvotes + 0 downvotes (A2 deleted) + pii 0.5*2 = 2;
    // u3: 1 downvote + lang_mismatch 1/3*3 = 2; u1: 1 spam prompt (P2 aborted_low_grade) = 1.
    List<Row> total = board(Leaderboard.trollboard(perUser), "total");
    assertEquals(List.of("u2", "u3", "u1"), total.stream().map(r -> r.<String>getAs("user_id")).toList());
    assertEquals(2.0, total.get(0).<Double>getAs("troll_score"), 1e-12);
    assertEquals(2.0, total.get(1).<Double>getAs("troll_score"), 1e-12);
    assertEquals(1.0, total.get(2).<Double>getAs("troll_score"), 1e-12);
    assertEquals(0L, total.get(0).<Long>getAs("downvotes"));
    // day: u3 2, u2 3-2 = 1, u1 0 (P2 is older).
    List<Row> day = board(Leaderboard.trollboard(perUser), "day");
    assertEquals(List.of("u3", "u2", "u1"), day.stream().map(r -> r.<String>getAs("user_id")).toList());
    assertEquals(List.of(2.0, 1.0, 0.0), day.stream().map(r -> r.<Double>getAs("troll_score")).toList());
  }

  @Test
  void withoutReferenceTimeOnlyTotal() {
    Dataset<Row> noTime = Leaderboard.perUser(QualityStage.project(table()), null, 30);
    assertEquals(List.of("total"), noTime.select("time_frame").distinct().collectAsList().stream()
        .map(r -> r.getString(0)).toList());
  }

  @Test
  void metadataWithoutDatesOrUsers() {
    // Like the en_100 sample: no created_date, no user_id, no labels.
    java.util.Map<String, Object> meta =
        org.oasst.pipeline.quality.QualityStage.leaderboardMeta(null, 30, 1167, 1167, List.of());
    assertNull(meta.get("reference_time"));
    assertEquals(List.of("day", "week", "month"), meta.get("unavailable_time_frames"));
    assertEquals(1167L, meta.get("messages_without_user_id_excluded"));
    assertEquals(Leaderboard.TROLL_LABELS, meta.get("troll_score_labels_absent_from_input"));
    assertEquals(List.of("simple_labels", "full_labels", "rankings"),
        List.copyOf(((java.util.Map<?, ?>) meta.get("leader_score_unavailable_terms")).keySet()));
    assertEquals(Boolean.FALSE, meta.get("leader_score_complete"));
  }
}
