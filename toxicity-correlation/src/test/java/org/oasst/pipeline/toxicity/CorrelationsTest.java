package org.oasst.pipeline.toxicity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.config.PipelineConfig;

class CorrelationsTest {
  static List<TestTables.Msg> msgs;
  static List<Row> result;
  static ToxicityOptions opts;

  @BeforeAll
  static void compute() {
    // 60 messages in en / es / de (de is outside the default languages), some without labels, some
    // without Detoxify, hate_speech as reviewer means (0, 1/3, 2/3, 1), toxicity Likert; ties on purpose.
    Random rnd = new Random(7);
    msgs = new ArrayList<>();
    String[] langs = {"en", "es", "de"};
    for (int i = 0; i < 60; i++) {
      TestTables.Msg m = new TestTables.Msg("m" + i, "t" + (i / 3));
      m.lang = langs[i % 3];
      double hidden = rnd.nextDouble();
      if (i % 7 != 0) {
        m.detox = new double[7];
        for (int k = 0; k < 7; k++) m.detox[k] = Math.round((hidden * 0.5 + 0.5 * rnd.nextDouble()) * 20) / 20.0;
      }
      if (i % 5 != 0) m.labels.put("hate_speech", Math.round(hidden * 3 + rnd.nextGaussian() * 0.5) / 3.0 < 0 ? 0.0 : Math.min(1.0, Math.round(hidden * 3 + rnd.nextGaussian() * 0.5) / 3.0));
      if (i % 4 != 0) m.labels.put("toxicity", Math.round(hidden * 4) / 4.0);
      msgs.add(m);
    }
    opts = ToxicityOptions.from(PipelineConfig.defaults().with("toxicity.labels", List.of("hate_speech", "toxicity", "violence")));
    Dataset<Row> flat = ToxicityColumns.flatten(TestTables.messages(msgs), opts.labels());
    result = Correlations.compute(flat, opts).collectAsList();
  }

  static Row cell(String scope, String label, String cat) {
    return result.stream()
        .filter(r -> r.getString(0).equals(scope) && r.getString(1).equals(label) && r.getString(3).equals(cat))
        .findFirst().orElseThrow(() -> new AssertionError("no cell " + scope + "/" + label + "/" + cat));
  }

  /** Pairwise-complete (x, y) of the test data for a scope. */
  static double[][] pairs(String scope, String label, int cat) {
    List<double[]> p = new ArrayList<>();
    for (TestTables.Msg m : msgs) {
      if (m.lang.equals("de")) continue;
      if (!scope.equals("all") && !m.lang.equals(scope)) continue;
      if (m.detox == null || !m.labels.containsKey(label)) continue;
      p.add(new double[] {m.labels.get(label), m.detox[cat]});
    }
    return p.toArray(double[][]::new);
  }

  static double pearsonByDefinition(double[] x, double[] y) {
    double mx = Arrays.stream(x).average().orElseThrow(), my = Arrays.stream(y).average().orElseThrow();
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  /** Average ranks (1-based), ties sharing the mean of their positions: by a quadratic count. */
  static double[] midRanks(double[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int less = 0, equal = 0;
      for (double w : v) {
        if (w < v[i]) less++;
        if (w == v[i]) equal++;
      }
      r[i] = less + (equal + 1) / 2.0;
    }
    return r;
  }

  static double[] col(double[][] p, int k) {
    return Arrays.stream(p).mapToDouble(a -> a[k]).toArray();
  }

  @Test
  void pearsonSpearmanAndIntervalMatchTheirDefinitions() {
    String[] cats = {"toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"};
    for (String scope : List.of("all", "en", "es"))
      for (String label : List.of("hate_speech", "toxicity"))
        for (int k = 0; k < 7; k++) {
          double[][] p = pairs(scope, label, k);
          Row c = cell(scope, label, cats[k]);
          assertEquals(p.length, c.getLong(4), "n " + scope + label + k);
          double r = pearsonByDefinition(col(p, 0), col(p, 1));
          assertEquals(r, c.getDouble(5), 1e-9, "pearson");
          double z = 0.5 * Math.log((1 + r) / (1 - r));
          assertEquals(Math.tanh(z - 1.959963984540054 / Math.sqrt(p.length - 3)), c.getDouble(6), 1e-9);
          assertEquals(Math.tanh(z + 1.959963984540054 / Math.sqrt(p.length - 3)), c.getDouble(7), 1e-9);
          double rho = pearsonByDefinition(midRanks(col(p, 0)), midRanks(col(p, 1)));
          assertEquals(rho, c.getDouble(8), 1e-9, "spearman " + scope + " " + label + " " + k);
        }
  }

  @Test
  void pointBiserialFromGroupMeans() {
    double[][] p = pairs("all", "hate_speech", 0);
    double n1 = 0, n0 = 0, s1 = 0, s0 = 0;
    for (double[] a : p) {
      if (a[0] >= 0.5) {
        n1++;
        s1 += a[1];
      } else {
        n0++;
        s0 += a[1];
      }
    }
    double n = n1 + n0, m1 = s1 / n1, m0 = s0 / n0;
    double mean = (s1 + s0) / n, var = 0;
    for (double[] a : p) var += (a[1] - mean) * (a[1] - mean) / n;
    double rpb = (m1 - m0) / Math.sqrt(var) * Math.sqrt(n1 * n0 / (n * n));
    Row c = cell("all", "hate_speech", "toxicity");
    assertEquals("binary", c.getString(2));
    assertEquals(rpb, c.getDouble(9), 1e-9);
    assertEquals((long) n1, c.getLong(10));
    assertEquals(m1, c.getDouble(12), 1e-12);
    assertEquals(m0, c.getDouble(13), 1e-12);
    Row likert = cell("all", "toxicity", "toxicity");
    assertEquals("likert", likert.getString(2));
    assertTrue(likert.isNullAt(9));
  }

  @Test
  void withoutSpearmanThePearsonCellsAreUnchanged() {
    ToxicityOptions fast =
        ToxicityOptions.from(
            PipelineConfig.defaults()
                .with("toxicity.labels", List.of("hate_speech", "toxicity", "violence"))
                .with("toxicity.correlation.spearman", false));
    List<Row> quick = Correlations.compute(ToxicityColumns.flatten(TestTables.messages(msgs), fast.labels()), fast).collectAsList();
    assertEquals(result.size(), quick.size());
    for (Row q : quick) {
      Row full = cell(q.getString(0), q.getString(1), q.getString(3));
      assertEquals(full.getLong(4), q.getLong(4));
      if (!full.isNullAt(5)) assertEquals(full.getDouble(5), q.getDouble(5), 1e-12);
      assertTrue(q.isNullAt(8));
    }
  }

  @Test
  void languagesOutsideTheListAndAbsentLabelsGiveNoData() {
    assertTrue(result.stream().noneMatch(r -> r.getString(0).equals("de")));
    Row absent = cell("all", "violence", "toxicity");
    assertEquals(0L, absent.getLong(4));
    assertNull(absent.get(5));
    assertEquals(3 * 3 * 7, result.size()); // scopes all, en, es x 3 labels x 7 categories
  }
}
