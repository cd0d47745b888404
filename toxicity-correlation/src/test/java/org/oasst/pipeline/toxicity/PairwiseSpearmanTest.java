package org.oasst.pipeline.toxicity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;

/**
 * The frequency-table Spearman against a direct computation, on data where the Detoxify categories
 * are missing independently of each other (unlike OASST, so the sweep's per-label counting is
 * exercised), labels and scores are heavily tied, and one category sometimes holds -0.0 beside 0.0.
 * Also the general MidRanks path (forced by a zero value limit) gives the same cells.
 */
class PairwiseSpearmanTest {
  static final String[] CATS = ToxicityColumns.DETOXIFY.toArray(String[]::new);
  static final List<String> LABELS = List.of("hate_speech", "toxicity", "spam");
  static List<Object[]> data; // lang, 3 labels, 7 categories (nulls for missing)
  static Dataset<Row> flat;

  @BeforeAll
  static void build() {
    Random rnd = new Random(11);
    data = new ArrayList<>();
    String[] langs = {"en", "es", "fr", null, "de"};
    for (int m = 0; m < 400; m++) {
      Object[] r = new Object[1 + LABELS.size() + CATS.length];
      r[0] = langs[rnd.nextInt(langs.length)];
      double hidden = rnd.nextDouble();
      if (rnd.nextDouble() < 0.8) r[1] = Math.round(hidden * 3 + rnd.nextGaussian() * 0.4) / 3.0; // 1/3 steps, some < 0 / > 1: fine for ranking
      if (rnd.nextDouble() < 0.6) r[2] = Math.round(hidden * 4) / 4.0;
      if (rnd.nextDouble() < 0.5) r[3] = rnd.nextBoolean() ? 1.0 : 0.0;
      boolean allAbsent = rnd.nextDouble() < 0.15;
      for (int k = 0; k < CATS.length; k++) {
        if (allAbsent || rnd.nextDouble() < 0.1 * (k % 3)) continue; // categories 1, 2, 4, 5 go missing alone
        double v = Math.round((hidden * 0.6 + 0.4 * rnd.nextDouble()) * 10) / 10.0; // 11 values: many ties
        if (k == 3) v = rnd.nextDouble() < 0.5 ? -0.0 : v;
        if (k == 6) v = hidden + rnd.nextDouble(); // continuous
        r[4 + k] = v;
      }
      data.add(r);
    }
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("lang", DataTypes.StringType, true));
    for (String l : LABELS) f.add(DataTypes.createStructField(ToxicityColumns.labelColumn(l), DataTypes.DoubleType, true));
    for (String c : CATS) f.add(DataTypes.createStructField(ToxicityColumns.detoxColumn(c), DataTypes.DoubleType, true));
    List<Row> rows = new ArrayList<>();
    for (Object[] r : data) rows.add(RowFactory.create(r));
    // Several partitions, so that the sorted sweep runs over partition boundaries.
    flat = TestSpark.get().createDataFrame(rows, new StructType(f.toArray(StructField[]::new))).repartition(5);
  }

  static ToxicityOptions options(long maxLabelValues) {
    return ToxicityOptions.from(
        PipelineConfig.defaults()
            .with("toxicity.labels", LABELS)
            .with("toxicity.languages", List.of("en", "es", "fr"))
            .with("toxicity.correlation.spearman_max_label_values", maxLabelValues));
  }

  /** Spearman by definition: mid-ranks (quadratic count) of the pairwise-complete rows, then Pearson. */
  static double directSpearman(String scope, int label, int cat) {
    List<double[]> p = new ArrayList<>();
    for (Object[] r : data) {
      String lang = (String) r[0];
      // Rows without a language or outside the chosen ones are in no scope, not even "all".
      if (lang == null || !List.of("en", "es", "fr").contains(lang)) continue;
      if (!scope.equals("all") && !scope.equals(lang)) continue;
      if (r[1 + label] == null || r[4 + cat] == null) continue;
      p.add(new double[] {(Double) r[1 + label], (Double) r[4 + cat]});
    }
    int n = p.size();
    double[] rx = new double[n], ry = new double[n];
    for (int a = 0; a < n; a++) {
      double lessX = 0, eqX = 0, lessY = 0, eqY = 0;
      for (double[] b : p) {
        if (b[0] < p.get(a)[0]) lessX++;
        if (b[0] == p.get(a)[0]) eqX++;
        if (b[1] < p.get(a)[1]) lessY++;
        if (b[1] == p.get(a)[1]) eqY++;
      }
      rx[a] = lessX + (eqX + 1) / 2;
      ry[a] = lessY + (eqY + 1) / 2;
    }
    double mx = 0, my = 0;
    for (int a = 0; a < n; a++) {
      mx += rx[a] / n;
      my += ry[a] / n;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int a = 0; a < n; a++) {
      sxy += (rx[a] - mx) * (ry[a] - my);
      sxx += (rx[a] - mx) * (rx[a] - mx);
      syy += (ry[a] - my) * (ry[a] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  static Row cell(List<Row> rows, String scope, String label, String cat) {
    return rows.stream()
        .filter(r -> r.getString(0).equals(scope) && r.getString(1).equals(label) && r.getString(3).equals(cat))
        .findFirst().orElseThrow(() -> new AssertionError("no cell " + scope + "/" + label + "/" + cat));
  }

  @Test
  void fastPathEqualsDirectSpearmanWithTiesAndMissingValues() {
    List<Row> fast = Correlations.compute(flat, options(1_000_000)).collectAsList();
    assertEquals(4 * LABELS.size() * CATS.length, fast.size()); // all, en, es, fr
    int checked = 0;
    for (String scope : List.of("all", "en", "es", "fr"))
      for (int i = 0; i < LABELS.size(); i++)
        for (int k = 0; k < CATS.length; k++) {
          double expected = directSpearman(scope, i, k);
          Row c = cell(fast, scope, LABELS.get(i), CATS[k]);
          if (Double.isNaN(expected)) {
            assertNull(c.get(8), scope + "/" + LABELS.get(i) + "/" + CATS[k]);
          } else {
            assertEquals(expected, c.getDouble(8), 1e-9, scope + "/" + LABELS.get(i) + "/" + CATS[k]);
            checked++;
          }
        }
    assertTrue(checked > 70, "most cells have a defined Spearman: " + checked);
  }

  @Test
  void generalPathGivesTheSameCells() {
    List<Row> fast = Correlations.compute(flat, options(1_000_000)).collectAsList();
    List<Row> general = Correlations.compute(flat, options(0)).collectAsList();
    assertEquals(fast.size(), general.size());
    for (Row g : general) {
      Row f = cell(fast, g.getString(0), g.getString(1), g.getString(3));
      for (int k = 4; k < SCHEMA_WIDTH; k++) {
        if (g.isNullAt(k)) {
          assertTrue(f.isNullAt(k), "column " + k + " of " + g);
        } else if (g.get(k) instanceof Double d) {
          assertEquals(d, f.getDouble(k), 1e-9, "column " + k + " of " + g);
        } else {
          assertEquals(g.get(k), f.get(k), "column " + k + " of " + g);
        }
      }
    }
  }

  static final int SCHEMA_WIDTH = Correlations.SCHEMA.size();
}
