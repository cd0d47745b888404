package org.oasst.pipeline.quality.labels;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.quality.Fixtures;
import org.oasst.pipeline.quality.Msg;

/** Figures worked out by hand for Fixtures.labels(). */
class LabelStatsTest {
  static LabelStats.Collected agg;
  static Dataset<Row> stats;

  @BeforeAll
  static void setUp() {
    agg = LabelStats.compute(Fixtures.labels(), 4);
    stats = LabelStats.stats(TestSpark.get(), agg).cache();
  }

  private static Row stat(String scope, String value, String name) {
    List<Row> rows = stats.filter(col("scope").equalTo(scope).and(col("name").equalTo(name))
        .and(value == null ? col("scope_value").isNull() : col("scope_value").equalTo(value))).collectAsList();
    assertEquals(1, rows.size(), scope + "/" + value + "/" + name);
    return rows.get(0);
  }

  @Test
  void qualityOverAllMessages() {
    // 0.5, 1.0, 0.25, 0.75: mean 0.625, squared deviations sum 0.3125, sample sd sqrt(0.3125/3).
    Row q = stat("all", null, "quality");
    assertEquals("likert", q.getAs("kind"));
    assertEquals(4L, q.<Long>getAs("messages_with_label"));
    assertEquals(4L, q.<Long>getAs("messages_with_value"));
    assertEquals(11L, q.<Long>getAs("reviews"));
    assertEquals(0.625, q.<Double>getAs("mean"), 1e-12);
    assertEquals(Math.sqrt(0.3125 / 3), q.<Double>getAs("stddev"), 1e-12);
    assertEquals(0.25, q.<Double>getAs("min"), 1e-12);
    assertEquals(1.0, q.<Double>getAs("max"), 1e-12);
    assertEquals(0.5, q.<Double>getAs("q50"), 1e-12);
    assertEquals(0.25, q.<Double>getAs("q05"), 1e-12);
    assertEquals(1.0, q.<Double>getAs("q95"), 1e-12);
    assertEquals(0L, q.<Long>getAs("out_of_range"));
    assertEquals(4L, q.<Long>getAs("distinct_values"));
  }

  @Test
  void byRoleLanguageAndRank() {
    assertEquals(0.625, stat("role", "prompter", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(0.625, stat("role", "assistant", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(0.5, stat("lang", "es", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(0.75, stat("lang", "en", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(1.0, stat("rank", "0", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(0.25, stat("rank", "1", "quality").<Double>getAs("mean"), 1e-12);
    assertEquals(1L, stat("all", null, "helpfulness").<Long>getAs("messages_with_label"));
    assertNull(stat("all", null, "helpfulness").getAs("stddev"), "one value has no sample sd");
    assertEquals(0L, stats.filter(col("scope").equalTo("rank").and(col("scope_value").equalTo("2"))).count());
  }

  @Test
  void histogramBins() {
    // 4 bins: 0.25 -> [.25,.5), 0.5 -> [.5,.75), 0.75 and 1.0 -> [.75,1].
    List<Row> bins = LabelStats.histogram(TestSpark.get(), agg)
        .filter(col("scope").equalTo("all").and(col("name").equalTo("quality")))
        .orderBy("bin").collectAsList();
    assertEquals(List.of(0L, 1L, 1L, 2L), bins.stream().map(r -> r.<Long>getAs("messages")).toList());
    assertEquals(0.75, bins.get(3).<Double>getAs("bin_low"), 1e-12);
    assertEquals(1.0, bins.get(3).<Double>getAs("bin_high"), 1e-12);
  }

  @Test
  void outOfRangeValuesAreCountedNotBinned() {
    Dataset<Row> df = Msg.table(Msg.prompt("X", "u").label("humor", 1.5, 1), Msg.prompt("Y", "u").label("humor", 0.0, 1));
    LabelStats.Collected c = LabelStats.compute(df, 2);
    Row r = LabelStats.stats(TestSpark.get(), c).filter(col("scope").equalTo("all")).first();
    assertEquals(1L, r.<Long>getAs("out_of_range"));
    long binned = LabelStats.histogram(TestSpark.get(), c).filter(col("scope").equalTo("all"))
        .collectAsList().stream().mapToLong(x -> x.<Long>getAs("messages")).sum();
    assertEquals(1L, binned);
  }

  @Test
  void correlationMatrix() {
    List<String> names = LabelStats.names(agg);
    assertEquals(List.of("helpfulness", "quality", "spam"), names);
    Dataset<Row> m = LabelCorrelation.matrix(Fixtures.labels(), names, Map.of(), 100);
    assertEquals(9, m.count());
    Row qs = m.filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("spam"))).first();
    assertEquals(4L, qs.<Long>getAs("n"));
    // dx = -.125,.375,-.375,.125; dy = -1/3,-1/3,2/3,0: r = (-1/3)/sqrt(0.3125*2/3)
    assertEquals(-(1 / 3.0) / Math.sqrt(0.3125 * 2 / 3), qs.<Double>getAs("pearson"), 1e-9);
    // ranks quality 2,4,1,3; spam 1.5,1.5,4,3: r = -3/sqrt(5*4.5)
    assertEquals(-3 / Math.sqrt(22.5), qs.<Double>getAs("spearman"), 1e-9);
    assertTrue(qs.<Boolean>getAs("spearman_exact"));
    Row sq = m.filter(col("label_a").equalTo("spam").and(col("label_b").equalTo("quality"))).first();
    assertEquals(qs.<Double>getAs("pearson"), sq.<Double>getAs("pearson"), 1e-15);
    Row diag = m.filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("quality"))).first();
    assertEquals(1.0, diag.<Double>getAs("pearson"), 1e-12);
    assertEquals(1.0, diag.<Double>getAs("spearman"), 1e-12);
    Row qh = m.filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("helpfulness"))).first();
    assertEquals(1L, qh.<Long>getAs("n"));
    assertNull(qh.getAs("pearson"));
    assertNull(qh.getAs("spearman"));
  }

  @Test
  void coarseLabelsAreRoundedForSpearmanOnly() {
    List<String> names = List.of("quality", "spam");
    Row exact = LabelCorrelation.matrix(Fixtures.labels(), names, Map.of(), 2)
        .filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("spam"))).first();
    // grid 1/2: quality 0.5,1.0,0.25,0.75 -> 1,2,1(0.5 rounds up),2 (keys); spam 0,0,1,1/3 -> 0,0,2,1
    Row coarse = LabelCorrelation.matrix(Fixtures.labels(), names, Map.of("quality", true), 2)
        .filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("spam"))).first();
    assertEquals(exact.<Double>getAs("pearson"), coarse.<Double>getAs("pearson"), 1e-15);
    assertFalse(coarse.<Boolean>getAs("spearman_exact"));
    // quality keys 1,2,1,2 -> ranks 1.5,3.5,1.5,3.5; spam ranks 1.5,1.5,4,3.
    // dx = -1,1,-1,1; dy = -1,-1,1.5,.5: sum dxdy = 1-1-1.5+.5 = -1; r = -1/sqrt(4*4.5)
    assertEquals(-1 / Math.sqrt(18), coarse.<Double>getAs("spearman"), 1e-9);
    assertFalse(exact.<Double>getAs("spearman").equals(coarse.<Double>getAs("spearman")));
  }
}
