package org.oasst.pipeline.toxicity;

import org.apache.commons.math3.distribution.TDistribution;

/** Closed-form statistics over aggregated sums; every function is pure and null-safe by NaN. */
public final class Stats {
  private Stats() {}

  /** z for a two-sided 95% interval. */
  public static final double Z_975 = 1.959963984540054;

  /**
   * Pearson's r from the sums of a paired sample. NaN when either side has no spread or n < 2,
   * because a correlation is undefined there (not zero).
   */
  public static double pearson(double n, double sx, double sy, double sxx, double syy, double sxy) {
    if (n < 2) return Double.NaN;
    double cov = n * sxy - sx * sy;
    double vx = n * sxx - sx * sx;
    double vy = n * syy - sy * sy;
    if (vx <= 0 || vy <= 0) return Double.NaN;
    double r = cov / Math.sqrt(vx * vy);
    return Math.max(-1.0, Math.min(1.0, r));
  }

  /** 95% interval of r through Fisher's z; NaN bounds when n <= 3 (the standard error is undefined). */
  public static double[] fisherInterval(double r, double n) {
    if (Double.isNaN(r) || n <= 3) return new double[] {Double.NaN, Double.NaN};
    // r of exactly +-1 gives an infinite z: the interval collapses onto r.
    double clipped = Math.max(-0.9999999999, Math.min(0.9999999999, r));
    double z = 0.5 * Math.log((1 + clipped) / (1 - clipped));
    double se = 1.0 / Math.sqrt(n - 3);
    return new double[] {Math.tanh(z - Z_975 * se), Math.tanh(z + Z_975 * se)};
  }

  /** Result of Welch's unequal-variance t-test. */
  public record Welch(double t, double df, double pValue) {}

  /**
   * Welch's t-test of mean1 - mean2 from counts, means and unbiased variances. NaN fields when a
   * group has fewer than two values or both variances are zero.
   */
  public static Welch welch(double n1, double mean1, double var1, double n2, double mean2, double var2) {
    if (n1 < 2 || n2 < 2) return new Welch(Double.NaN, Double.NaN, Double.NaN);
    double a = var1 / n1;
    double b = var2 / n2;
    double se2 = a + b;
    if (!(se2 > 0)) return new Welch(Double.NaN, Double.NaN, Double.NaN);
    double t = (mean1 - mean2) / Math.sqrt(se2);
    double df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1));
    double p = 2.0 * new TDistribution(null, df).cumulativeProbability(-Math.abs(t));
    return new Welch(t, df, p);
  }

  /** Unbiased variance from n, sum and sum of squares; NaN below two values. */
  public static double variance(double n, double s, double ss) {
    if (n < 2) return Double.NaN;
    double v = (ss - s * s / n) / (n - 1);
    return Math.max(0.0, v);
  }

  /** Value at quantile q of sorted values, linear interpolation between order statistics. */
  public static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * ROC AUC of scores against binary truth (Mann-Whitney U with mid-ranks for tied scores). NaN
   * when one class is absent.
   */
  public static double rocAuc(double[] scores, boolean[] positive) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double rankSumPositive = 0;
    long nPos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
      double midRank = (i + j) / 2.0 + 1.0;
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          rankSumPositive += midRank;
          nPos++;
        }
      }
      i = j + 1;
    }
    long nNeg = n - nPos;
    if (nPos == 0 || nNeg == 0) return Double.NaN;
    return (rankSumPositive - nPos * (nPos + 1) / 2.0) / ((double) nPos * nNeg);
  }

  /** Pearson's r of two equally long arrays (driver-side evaluation). */
  public static double pearson(double[] x, double[] y) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < x.length; i++) {
      sx += x[i];
      sy += y[i];
      sxx += x[i] * x[i];
      syy += y[i] * y[i];
      sxy += x[i] * y[i];
    }
    return pearson(x.length, sx, sy, sxx, syy, sxy);
  }

  /** NaN to null for output rows. */
  public static Double orNull(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
  }
}
