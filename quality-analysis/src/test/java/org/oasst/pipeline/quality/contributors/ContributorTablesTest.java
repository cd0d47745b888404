package org.oasst.pipeline.quality.contributors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.quality.Fixtures;
import org.oasst.pipeline.quality.QualityStage;
import org.oasst.pipeline.quality.RealSample;

/**
 * The contributor tables (summary and Lorenz from the frequency table of counts) against the independent Spark formulation (window functions
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

  /** Random counts with many ties and anonymous rows, against the Spark formulation. */
  @Test
  void sameAsSparkFormulationOnRandomCounts() {
    Random random = new Random(11);
    List<Row> rows = new ArrayList<>();
    List<String> langs = List.of("en", "es", "de");
    for (int u = 0; u < 400; u++)
      for (String lang : langs) {
        if (random.nextInt(3) == 0) continue;
        long p = random.nextInt(4), a = random.nextInt(3) == 0 ? random.nextInt(40) : 0;
        long r = random.nextInt(2);
        if (p + a + r == 0) continue;
        rows.add(RowFactory.create(u == 0 ? null : "u" + u, lang, p, a, r, p + a + r));
      }
    StructType schema = new StructType()
        .add("user_id", DataTypes.StringType).add("lang", DataTypes.StringType)
        .add("prompts", DataTypes.LongType).add("assistant_replies", DataTypes.LongType)
        .add("prompter_replies", DataTypes.LongType).add("total", DataTypes.LongType);
    Dataset<Row> perUserLang = TestSpark.get().createDataFrame(rows, schema);
    compare(perUserLang, 100);
    compare(perUserLang, 7);
  }

  /**
   * One group's figures from its frequency table against the textbook definitions on the list of
   * counts itself: Gini as the mean absolute difference over twice the mean, the top shares and the
   * half point by walking the sorted list, Lorenz points as prefix sums of the ascending list.
   */
  @Test
  void frequencyTableAgreesWithDirectFormulasOnRandomData() {
    Random random = new Random(5);
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(round < 100 ? 30 : 3000);
      int spread = 1 + random.nextInt(round % 2 == 0 ? 5 : 1000);
      long[] x = new long[n];
      for (int i = 0; i < n; i++) x[i] = 1 + (long) (Math.pow(random.nextDouble(), 3) * spread);
      int points = 1 + random.nextInt(120);
      ContributorTables.Summary s = ContributorTables.fromFrequencies(frequencyRows(x), points);
      Row summary = s.summary().get(0);

      long[] desc = Arrays.stream(x).boxed().sorted(Comparator.reverseOrder()).mapToLong(Long::longValue).toArray();
      long total = Arrays.stream(x).sum();
      double absDiff = 0;
      for (long a : x) for (long b : x) absDiff += Math.abs(a - b);
      double gini = absDiff / (2.0 * n * (double) total);
      assertEquals(n, summary.getLong(3));
      assertEquals(total, summary.getLong(4));
      assertEquals(total, s.attributed());
      assertEquals(gini, summary.getDouble(5), 1e-9, "gini, n=" + n);
      double[] fractions = {0.01, 0.05, 0.10};
      for (int f = 0; f < 3; f++) {
        long top = 0;
        for (int i = 0; i < Math.ceil(n * fractions[f]); i++) top += desc[i];
        assertEquals((double) top / total, summary.getDouble(6 + f), 1e-15);
      }
      long running = 0;
      int half = 0;
      while (running * 2 < total) running += desc[half++];
      assertEquals(half, summary.getInt(9));
      assertEquals(desc[0], summary.getLong(10));

      // Lorenz: after the i smallest users, for each i where floor(i * points / n) steps up.
      List<String> expected = new ArrayList<>();
      long smallest = 0;
      for (int i = 1; i <= n; i++) {
        smallest += desc[n - i];
        if ((long) i * points / n != (long) (i - 1) * points / n)
          expected.add(i + "|" + String.format("%.12g|%.12g", (double) i / n, (double) smallest / total));
      }
      List<String> actual = new ArrayList<>();
      for (Row r : s.lorenz())
        actual.add(r.getLong(3) + "|" + String.format("%.12g|%.12g", r.getDouble(4), r.getDouble(5)));
      actual.sort(Comparator.comparingLong(t -> Long.parseLong(t.substring(0, t.indexOf('|')))));
      assertEquals(expected, actual, "lorenz, n=" + n + ", points=" + points);
    }
  }

  /** The frequency rows of one group (scope all, kind total) for the counts {@code x}. */
  private static List<Row> frequencyRows(long[] x) {
    StructType schema = new StructType()
        .add("anonymous", DataTypes.BooleanType).add("scope", DataTypes.StringType)
        .add("lang", DataTypes.StringType).add("kind", DataTypes.StringType)
        .add("contributions", DataTypes.LongType).add("users", DataTypes.LongType);
    Map<Long, Long> counts = new TreeMap<>();
    for (long v : x) counts.merge(v, 1L, Long::sum);
    List<Row> rows = new ArrayList<>();
    counts.forEach((c, users) -> rows.add(new GenericRowWithSchema(
        new Object[] {false, ContributorStats.SCOPE_ALL, null, "total", c, users}, schema)));
    Collections.shuffle(rows, new Random(x.length));
    return rows;
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
