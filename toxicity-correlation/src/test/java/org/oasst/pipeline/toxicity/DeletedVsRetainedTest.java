package org.oasst.pipeline.toxicity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.config.PipelineConfig;

class DeletedVsRetainedTest {
  static final ToxicityOptions OPTS =
      ToxicityOptions.from(PipelineConfig.defaults().with("toxicity.labels", List.of("spam")));

  static TestTables.Msg msg(String id, String state, String lang, Boolean deleted, double tox, Double spam) {
    TestTables.Msg m = new TestTables.Msg(id, "t" + id);
    m.treeState = state;
    m.lang = lang;
    m.deleted = deleted;
    m.detox = new double[] {tox, 0, tox / 2, 0, 0, 0, 0};
    if (spam != null) m.labels.put("spam", spam);
    return m;
  }

  static Row metric(List<Row> rows, String name) {
    return rows.stream().filter(r -> r.getString(0).equals(name)).findFirst().orElseThrow();
  }

  @Test
  void meansWelchAndScopeOnHandMadeData() {
    List<TestTables.Msg> m = new ArrayList<>();
    // In scope (ready_for_export, en/es): deleted toxicity 0.5, 0.3, 0.9; retained 0.1, 0.0, 0.2, 0.1.
    m.add(msg("a", "ready_for_export", "en", true, 0.5, 1.0));
    m.add(msg("b", "ready_for_export", "es", true, 0.3, null));
    m.add(msg("c", "ready_for_export", "en", true, 0.9, 0.5));
    m.add(msg("d", "ready_for_export", "en", false, 0.1, 0.0));
    m.add(msg("e", "ready_for_export", "en", false, 0.0, 0.0));
    m.add(msg("f", "ready_for_export", "es", false, 0.2, 0.0));
    m.add(msg("g", "ready_for_export", "en", false, 0.1, null));
    // Out of scope: an incomplete tree, a language Detoxify does not cover, an unknown deletion flag.
    m.add(msg("h", "growing", "en", true, 1.0, 1.0));
    m.add(msg("i", "ready_for_export", "zh", true, 1.0, 1.0));
    m.add(msg("j", "ready_for_export", "en", null, 1.0, 1.0));
    Dataset<Row> flat = ToxicityColumns.flatten(TestTables.messages(m), OPTS.labels());
    List<Row> rows = DeletedVsRetained.compute(flat, OPTS).collectAsList();

    Row tox = metric(rows, "toxicity");
    assertEquals(3L, tox.getLong(2));
    assertEquals((0.5 + 0.3 + 0.9) / 3, tox.getDouble(3), 1e-12);
    assertEquals(4L, tox.getLong(4));
    assertEquals(0.4 / 4, tox.getDouble(5), 1e-12);
    assertEquals((0.5 + 0.3 + 0.9) / 3 - 0.1, tox.getDouble(6), 1e-12);
    double v1 = (Math.pow(0.5 - 1.7 / 3, 2) + Math.pow(0.3 - 1.7 / 3, 2) + Math.pow(0.9 - 1.7 / 3, 2)) / 2;
    double v0 = (0 + 0.01 + 0.01 + 0) / 3;
    assertEquals((1.7 / 3 - 0.1) / Math.sqrt(v1 / 3 + v0 / 4), tox.getDouble(7), 1e-9);
    // t = 2.5776 on df = 2.2158: two-sided p = 0.1112789 (numerical integration of the t density)
    assertEquals(0.1112789, tox.getDouble(9), 1e-6);
    assertTrue(tox.getDouble(10) <= tox.getDouble(6) && tox.getDouble(6) <= tox.getDouble(11), "bootstrap interval covers the difference");
    assertNull(tox.get(13));

    Row spam = metric(rows, "spam");
    assertEquals("label", spam.getString(1));
    assertEquals(2L, spam.getLong(2));
    assertEquals(0.75, spam.getDouble(3), 1e-12);
    assertEquals(3L, spam.getLong(4));
    assertEquals(0.0, spam.getDouble(5), 1e-12);

    // Same seed, same interval; the scope summary counts what was left out.
    List<Row> again = DeletedVsRetained.compute(flat, OPTS).collectAsList();
    assertEquals(tox.getDouble(10), metric(again, "toxicity").getDouble(10), 0.0);
    Row s = DeletedVsRetained.scopeSummary(flat, OPTS);
    assertEquals(8L, s.getLong(0));
    assertEquals(1L, s.getLong(1));
    assertEquals(3L, s.getLong(2));
  }

  @Test
  void withoutDeletedMessagesTheTableSaysSo() {
    List<TestTables.Msg> m = new ArrayList<>();
    m.add(msg("a", "ready_for_export", "en", false, 0.1, 0.0));
    m.add(msg("b", "ready_for_export", "en", false, 0.2, 0.0));
    m.add(msg("c", "growing", "en", true, 0.9, 1.0)); // deleted, but its tree is incomplete
    List<Row> rows =
        DeletedVsRetained.compute(ToxicityColumns.flatten(TestTables.messages(m), OPTS.labels()), OPTS).collectAsList();
    assertEquals(8, rows.size());
    for (Row r : rows) {
      assertEquals(0L, r.getLong(2));
      assertNotNull(r.getString(13));
      assertTrue(r.getString(13).startsWith("no deleted messages in scope"), r.getString(13));
    }
    // Widening the scope to every tree state brings the deleted message in.
    ToxicityOptions any =
        ToxicityOptions.from(PipelineConfig.defaults().with("toxicity.labels", List.of("spam")).with("toxicity.deleted.tree_states", List.of()));
    List<Row> wide =
        DeletedVsRetained.compute(ToxicityColumns.flatten(TestTables.messages(m), any.labels()), any).collectAsList();
    assertEquals(1L, metric(wide, "toxicity").getLong(2));
  }
}
