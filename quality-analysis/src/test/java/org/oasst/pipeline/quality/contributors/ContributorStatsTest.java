package org.oasst.pipeline.quality.contributors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.quality.Fixtures;

/** Figures worked out by hand for Fixtures.contributors(). */
class ContributorStatsTest {
  static Dataset<Row> perUserLang;
  static Dataset<Row> ranked;
  static List<Row> summary;

  @BeforeAll
  static void setUp() {
    perUserLang = ContributorStats.perUserAndLanguage(Fixtures.contributors()).cache();
    ranked = ContributorStats.ranked(perUserLang).cache();
    summary = ContributorStats.summary(ranked, perUserLang).collectAsList();
  }

  @Test
  void perUserTableMostFirstTiesByUserId() {
    List<Row> rows = ContributorStats.contributors(perUserLang).orderBy("position").collectAsList();
    assertEquals(4, rows.size(), "the anonymous messages are not a user");
    // position, user_id, total, share, prompts, assistant_replies, prompter_replies
    assertRow(rows.get(0), 1, "u1", 5, 0.5, 2, 1, 2);
    assertRow(rows.get(1), 2, "u2", 3, 0.3, 0, 3, 0);
    assertRow(rows.get(2), 3, "u3", 1, 0.1, 1, 0, 0);
    assertRow(rows.get(3), 4, "u4", 1, 0.1, 0, 1, 0);
  }

  private static void assertRow(Row r, int pos, String user, long total, double share, long p, long a, long pr) {
    assertEquals(pos, r.getInt(0));
    assertEquals(user, r.getString(1));
    assertEquals(total, r.getLong(2));
    assertEquals(share, r.getDouble(3), 1e-12);
    assertEquals(p, r.getLong(4));
    assertEquals(a, r.getLong(5));
    assertEquals(pr, r.getLong(6));
  }

  private static Row summaryRow(String scope, String lang, String kind) {
    List<Row> rows = summary.stream()
        .filter(r -> scope.equals(r.getAs("scope")) && kind.equals(r.getAs("kind"))
            && java.util.Objects.equals(lang, r.getAs("lang")))
        .toList();
    assertEquals(1, rows.size(), scope + "/" + lang + "/" + kind);
    return rows.get(0);
  }

  @Test
  void totalsOverAllLanguages() {
    // Totals 5, 3, 1, 1: sorted ascending 1,1,3,5; Gini = 2*(1+2+9+20)/(4*10) - 5/4 = 0.35.
    Row r = summaryRow("all", null, "total");
    assertEquals(4L, r.<Long>getAs("users"));
    assertEquals(10L, r.<Long>getAs("contributions"));
    assertEquals(0.35, r.<Double>getAs("gini"), 1e-12);
    // ceil(4 * 1%) = ceil(4 * 5%) = ceil(4 * 10%) = 1 user: u1 with 5 of 10.
    assertEquals(0.5, r.<Double>getAs("top1_share"), 1e-12);
    assertEquals(0.5, r.<Double>getAs("top5_share"), 1e-12);
    assertEquals(0.5, r.<Double>getAs("top10_share"), 1e-12);
    assertEquals(1, r.<Integer>getAs("users_for_half"));
    assertEquals(5L, r.<Long>getAs("max_user_contributions"));
    assertEquals(2L, r.<Long>getAs("anonymous_contributions"));
  }

  @Test
  void perKind() {
    // assistant replies: u2 3, u1 1, u4 1 -> 2*(1+2+9)/(3*5) - 4/3 = 0.2667; anonymous 1.
    Row a = summaryRow("all", null, "assistant_replies");
    assertEquals(3L, a.<Long>getAs("users"));
    assertEquals(0.26666666666666666, a.<Double>getAs("gini"), 1e-12);
    assertEquals(1L, a.<Long>getAs("anonymous_contributions"));
    // prompts: u1 2, u3 1 -> 2*(1+4)/(2*3) - 3/2 = 1/6.
    Row p = summaryRow("all", null, "prompts");
    assertEquals(1 / 6.0, p.<Double>getAs("gini"), 1e-12);
    assertEquals(2 / 3.0, p.<Double>getAs("top1_share"), 1e-12);
    // prompter replies: only u1 (2); no anonymous ones.
    Row r = summaryRow("all", null, "prompter_replies");
    assertEquals(1L, r.<Long>getAs("users"));
    assertEquals(0.0, r.<Double>getAs("gini"), 1e-12);
    assertEquals(0L, r.<Long>getAs("anonymous_contributions"));
  }

  @Test
  void perLanguage() {
    // es: u1 2 (P2, A4), u2 1 (A3): Gini 1/6, half reached by u1 alone.
    Row es = summaryRow("language", "es", "total");
    assertEquals(2L, es.<Long>getAs("users"));
    assertEquals(3L, es.<Long>getAs("contributions"));
    assertEquals(1 / 6.0, es.<Double>getAs("gini"), 1e-12);
    assertEquals(0L, es.<Long>getAs("anonymous_contributions"));
    // en: u1 3, u2 2, u3 1, u4 1 (7), plus 2 anonymous; half = 3.5 -> u1 + u2.
    Row en = summaryRow("language", "en", "total");
    assertEquals(4L, en.<Long>getAs("users"));
    assertEquals(7L, en.<Long>getAs("contributions"));
    assertEquals(2, en.<Integer>getAs("users_for_half"));
    assertEquals(2L, en.<Long>getAs("anonymous_contributions"));
    // ascending 1,1,2,3: 2*(1+2+6+12)/(4*7) - 5/4 = 42/28 - 1.25 = 0.25
    assertEquals(0.25, en.<Double>getAs("gini"), 1e-12);
  }

  @Test
  void lorenzPoints() {
    List<Row> pts = ContributorStats.lorenz(ranked, 100)
        .filter(col("scope").equalTo("all").and(col("kind").equalTo("total")))
        .orderBy("users_counted").collectAsList();
    double[][] expected = {{0.25, 0.1}, {0.5, 0.2}, {0.75, 0.5}, {1.0, 1.0}};
    assertEquals(expected.length, pts.size());
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i][0], pts.get(i).<Double>getAs("user_fraction"), 1e-12);
      assertEquals(expected[i][1], pts.get(i).<Double>getAs("contribution_fraction"), 1e-12);
    }
    // With 2 points per curve: i where floor(2i/4) changes: i = 2 and i = 4.
    List<Row> coarse = ContributorStats.lorenz(ranked, 2)
        .filter(col("scope").equalTo("all").and(col("kind").equalTo("total")))
        .orderBy("users_counted").collectAsList();
    assertEquals(List.of(2L, 4L), coarse.stream().map(r -> r.<Long>getAs("users_counted")).toList());
  }

  @Test
  void noKnownUsersAtAll() {
    Dataset<Row> anonOnly = ContributorStats.perUserAndLanguage(
        Fixtures.contributors().withColumn("user_id", org.apache.spark.sql.functions.lit(null).cast("string")));
    Dataset<Row> summary = ContributorStats.summary(ContributorStats.ranked(anonOnly), anonOnly);
    Row r = summary.filter(col("scope").equalTo("all").and(col("kind").equalTo("total"))).first();
    assertEquals(0L, r.<Long>getAs("users"));
    assertNull(r.getAs("gini"));
    assertEquals(12L, r.<Long>getAs("anonymous_contributions"));
  }
}
