package org.oasst.pipeline.quality.contributors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.quality.Fixtures;
import org.oasst.pipeline.quality.QualityStage;
import org.oasst.pipeline.quality.RealSample;

/**
 * The driver-side contributor tables against the independent Spark formulation (window functions
 * and a join, hand-checked in ContributorStatsTest): same rows, same column types.
 */
class ContributorTablesTest {

  @Test
  void sameAsSparkFormulationOnTheFixture() {
    compare(ContributorStats.perUserAndLanguage(Fixtures.contributors()), 100);
    compare(ContributorStats.perUserAndLanguage(Fixtures.contributors()), 2);
  }

  @Test
  void sameAsSparkFormulationOnTheRealSample() {
    Dataset<Row> m = QualityStage.project(RealSample.table(RealSample.load(
        TestSpark.realSample(TestSpark.OPENPAWS))));
    compare(ContributorStats.perUserAndLanguage(m), 100);
  }

  private static void compare(Dataset<Row> perUserLang, int points) {
    perUserLang = perUserLang.cache();
    Dataset<Row> ranked = ContributorStats.ranked(perUserLang);
    ContributorTables.Tables driver = ContributorTables.compute(perUserLang, points);
    var spark = TestSpark.get();
    assertSame(ContributorStats.contributors(perUserLang), driver.contributors(spark));
    assertSame(ContributorStats.summary(ranked, perUserLang), driver.summary(spark));
    assertSame(ContributorStats.lorenz(ranked, points), driver.lorenz(spark));
    perUserLang.unpersist();
  }

  private static void assertSame(Dataset<Row> expected, Dataset<Row> actual) {
    assertEquals(expected.schema().simpleString(), actual.schema().simpleString());
    List<String> e = sortedText(expected), a = sortedText(actual);
    assertFalse(e.isEmpty());
    assertEquals(e.size(), a.size());
    for (int i = 0; i < e.size(); i++) assertEquals(e.get(i), a.get(i));
  }

  /** Rows as text, doubles to 12 significant digits (as the output fingerprint compares them). */
  private static List<String> sortedText(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        Object v = r.get(i);
        b.append(v instanceof Double ? String.format("%.12g", v) : String.valueOf(v)).append('|');
      }
      out.add(b.toString());
    }
    out.sort(null);
    return out;
  }
}
