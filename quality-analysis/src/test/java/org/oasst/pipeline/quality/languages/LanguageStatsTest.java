package org.oasst.pipeline.quality.languages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.quality.Fixtures;

class LanguageStatsTest {
  @Test
  void topLanguagesAndTail() {
    // Fixtures.languages(): en 4 msgs (3 prompter, 1 assistant, 2 trees), es 2 (1/1, 1 tree),
    // de 1 prompt, fr 1 prompt, one assistant reply without language. 9 msgs, 6 prompter,
    // 3 assistant, 5 trees.
    Dataset<Row> df = LanguageStats.languages(Fixtures.languages(), 2);
    List<Row> rows = df.orderBy("position").collectAsList();
    assertEquals(3, rows.size());
    check(rows.get(0), 1, "en", 1, 4, 4 / 9.0, 3, 0.5, 1, 1 / 3.0, 2, 0.4);
    check(rows.get(1), 2, "es", 1, 2, 2 / 9.0, 1, 1 / 6.0, 1, 1 / 3.0, 1, 0.2);
    check(rows.get(2), 3, "other", 3, 3, 3 / 9.0, 2, 2 / 6.0, 1, 1 / 3.0, 2, 0.4);
  }

  @Test
  void everyLanguageWhenTopNIsLarge() {
    List<Row> rows = LanguageStats.languages(Fixtures.languages(), 50).orderBy("position").collectAsList();
    assertEquals(List.of("en", "es", "de", "fr", "und"), rows.stream().map(r -> r.getString(1)).toList());
  }

  @Test
  void topNMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> LanguageStats.languages(Fixtures.languages(), 0));
  }

  private static void check(Row r, int position, String lang, int languages, long messages,
      double share, long prompter, double prompterShare, long assistant, double assistantShare,
      long trees, double treeShare) {
    assertEquals(position, r.getInt(0));
    assertEquals(lang, r.getString(1));
    assertEquals(languages, r.getInt(2));
    assertEquals(messages, r.getLong(3));
    assertEquals(share, r.getDouble(4), 1e-12);
    assertEquals(prompter, r.getLong(5));
    assertEquals(prompterShare, r.getDouble(6), 1e-12);
    assertEquals(assistant, r.getLong(7));
    assertEquals(assistantShare, r.getDouble(8), 1e-12);
    assertEquals(trees, r.getLong(9));
    assertEquals(treeShare, r.getDouble(10), 1e-12);
  }
}
