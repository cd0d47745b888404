package org.oasst.pipeline.toxicity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void rocAucCountsConcordantPairs() {
    double[] s = {0.1, 0.4, 0.35, 0.8, 0.4};
    boolean[] t = {false, false, true, true, true};
    // positives 0.35, 0.8, 0.4 vs negatives 0.1, 0.4: pairs won 1+0, 1+1, 1+0.5 = 4.5 of 6
    assertEquals(4.5 / 6, Stats.rocAuc(s, t), 1e-12);
  }

  @Test
  void welchAgainstAWorkedExample() {
    // Group a = {1,2,3,4}, b = {2,4,6,8,10}: means 2.5 / 6, variances 5/3 and 10.
    Stats.Welch w = Stats.welch(4, 2.5, 5.0 / 3, 5, 6, 10);
    double se2 = (5.0 / 3) / 4 + 10.0 / 5;
    assertEquals(-3.5 / Math.sqrt(se2), w.t(), 1e-12);
    double df = se2 * se2 / (Math.pow((5.0 / 3) / 4, 2) / 3 + Math.pow(10.0 / 5, 2) / 4);
    assertEquals(df, w.df(), 1e-12);
    // t = -2.2514, df = 5.5208: two-sided p = 0.069134 (scipy: 2 * stats.t.cdf(t, df))
    assertEquals(0.069134, w.pValue(), 1e-5);
  }
}
