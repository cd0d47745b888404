package org.oasst.pipeline.toxicity.scorer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.models.word2vec.Word2Vec;
import org.deeplearning4j.text.sentenceiterator.CollectionSentenceIterator;
import org.deeplearning4j.text.tokenization.tokenizerfactory.DefaultTokenizerFactory;
import org.oasst.pipeline.toxicity.ToxicityOptions.ScorerOptions;

/**
 * Trains a {@link ToxicityScorerModel} on the driver: DL4J Word2Vec on the training texts, then ridge
 * regression from pooled word vectors to logit(Detoxify score), one output per category.
 */
public final class ScorerTrainer {
  private ScorerTrainer() {}

  /** Scores are clipped before the logit: Detoxify writes values down to 1e-4 and exact 0/1 are infinite. */
  static final double CLIP = 1e-4;

  /**
   * @param texts training texts
   * @param targets targets[i][c] = observed score of text i for category c, in [0, 1]
   */
  public static ToxicityScorerModel train(List<String> texts, double[][] targets, List<String> categories, ScorerOptions o) {
    if (texts.size() != targets.length) throw new IllegalArgumentException("texts and targets differ in length");
    if (texts.isEmpty()) throw new IllegalArgumentException("no training texts for the toxicity scorer");
    List<String> sentences = new ArrayList<>(texts.size());
    for (String t : texts) {
      String s = TextTokens.sentence(t);
      // DL4J skips empty sentences itself, but an all-empty corpus makes it fail obscurely.
      sentences.add(s.isEmpty() ? "_" : s);
    }
    Word2Vec w2v =
        new Word2Vec.Builder()
            .minWordFrequency(o.minWordFrequency())
            .layerSize(o.dims())
            .windowSize(o.window())
            .seed(o.seed())
            .epochs(o.epochs())
            .iterations(1)
            .workers(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())))
            .iterate(new CollectionSentenceIterator(sentences))
            .tokenizerFactory(new DefaultTokenizerFactory())
            .build();
    w2v.fit();

    Collection<String> words = w2v.getVocab().words();
    Map<String, Integer> vocab = new HashMap<>(words.size() * 2);
    float[] vectors = new float[words.size() * o.dims()];
    int i = 0;
    for (String w : words) {
      double[] v = w2v.getWordVector(w);
      if (v == null) continue;
      for (int d = 0; d < o.dims(); d++) vectors[i * o.dims() + d] = (float) v[d];
      vocab.put(w, i++);
    }
    if (i < words.size()) vectors = java.util.Arrays.copyOf(vectors, i * o.dims());

    // Word toxicity scores: how much more toxic (logit of Detoxify toxicity, relative to the mean)
    // the training texts containing a word are, shrunk towards 0 for rare words. Pooled word vectors
    // alone dilute a few toxic words in a long text; the max and top-3 of these scores do not.
    // Cross-fitted: the regression sees, for each training text, scores computed from the other half
    // of the texts, so it does not learn to trust words that only its own text contained.
    int tox = Math.max(0, categories.indexOf("toxicity"));
    double[] z = new double[texts.size()];
    double zMean = 0;
    for (int r = 0; r < z.length; r++) {
      z[r] = logit(targets[r][tox]);
      zMean += z[r] / z.length;
    }
    List<int[]> tokenIds = new ArrayList<>(texts.size());
    for (String t : texts) tokenIds.add(distinctIds(t, vocab));
    float[][] foldScores = {wordScores(tokenIds, z, zMean, vocab.size(), 0), wordScores(tokenIds, z, zMean, vocab.size(), 1)};
    float[] allScores = wordScores(tokenIds, z, zMean, vocab.size(), -1);
    Fit second = fit(texts, targets, categories, o, vocab, vectors, r -> foldScores[1 - r % 2], WORD_THRESHOLD);
    float[] wordScores = allScores;
    double threshold = WORD_THRESHOLD;
    // Stage 3: a straight line from sigmoid(logit) to the raw score, by least squares on the training
    // texts (with their cross-fitted word scores), so that predictions are calibrated on the scale
    // the scores are read on.
    double[][] calibration = new double[categories.size()][];
    double[][] sig = new double[texts.size()][];
    for (int r = 0; r < texts.size(); r++)
      sig[r] = ToxicityScorerModel.uncalibrated(
          ToxicityScorerModel.rawFeatures(texts.get(r), vocab, vectors, o.dims(), foldScores[1 - r % 2], threshold),
          second.mean, second.scale, second.weights);
    for (int c = 0; c < categories.size(); c++) {
      double n = texts.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (int r = 0; r < texts.size(); r++) {
        double x = sig[r][c], y = targets[r][c];
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      double vx = n * sxx - sx * sx;
      double b = vx > 0 ? (n * sxy - sx * sy) / vx : 0;
      // A negative slope would invert the ranking the regression learned: keep the identity then.
      if (!(b > 0)) calibration[c] = new double[] {0, 1};
      else calibration[c] = new double[] {(sy - b * sx) / n, b};
    }
    return new ToxicityScorerModel(
        categories, o.dims(), vocab, vectors, wordScores, threshold, second.mean, second.scale, second.weights, calibration);
  }

  /** A word counts as toxic when texts containing it are this much more toxic on the logit scale. */
  static final double WORD_THRESHOLD = 1.0;

  /** Shrinkage of the word scores: a word seen in k texts keeps k / (k + WORD_PRIOR) of its mean. */
  static final double WORD_PRIOR = 5.0;

  static double logit(double y) {
    double c = Math.min(1 - CLIP, Math.max(CLIP, y));
    return Math.log(c / (1 - c));
  }

  private static int[] distinctIds(String text, Map<String, Integer> vocab) {
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (String t : TextTokens.tokens(text)) {
      Integer i = vocab.get(t);
      if (i != null) ids.add(i);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Word scores from the texts of one fold (text index % 2 == fold), or from all when fold < 0. */
  private static float[] wordScores(List<int[]> tokenIds, double[] z, double zMean, int vocabSize, int fold) {
    double[] sum = new double[vocabSize];
    int[] count = new int[vocabSize];
    for (int r = 0; r < tokenIds.size(); r++) {
      if (fold >= 0 && r % 2 != fold) continue;
      for (int id : tokenIds.get(r)) {
        sum[id] += z[r] - zMean;
        count[id]++;
      }
    }
    float[] out = new float[vocabSize];
    for (int w = 0; w < vocabSize; w++) out[w] = (float) (sum[w] / (count[w] + WORD_PRIOR));
    return out;
  }

  private record Fit(double[] mean, double[] scale, double[][] weights) {}

  /**
   * Ridge regression of logit(score) on standardized features, one output per category. The
   * intercept is the target mean (not penalized) plus half the residual variance: predictions are
   * read back through the sigmoid, and for small scores that undoes the log-normal shrinkage towards
   * the geometric mean, so predicted means match observed means.
   */
  private static Fit fit(List<String> texts, double[][] targets, List<String> categories, ScorerOptions o,
      Map<String, Integer> vocab, float[] vectors, java.util.function.IntFunction<float[]> wordScoresOf, double threshold) {
    int nf = ToxicityScorerModel.featureCount(o.dims());
    int n = texts.size();
    double[][] x = new double[n][];
    for (int r = 0; r < n; r++)
      x[r] = ToxicityScorerModel.rawFeatures(texts.get(r), vocab, vectors, o.dims(), wordScoresOf.apply(r), threshold);
    double[] mean = new double[nf], scale = new double[nf];
    for (double[] row : x) for (int k = 0; k < nf; k++) mean[k] += row[k] / n;
    for (double[] row : x) for (int k = 0; k < nf; k++) scale[k] += (row[k] - mean[k]) * (row[k] - mean[k]) / n;
    for (int k = 0; k < nf; k++) scale[k] = scale[k] > 1e-12 ? Math.sqrt(scale[k]) : 1.0;
    for (double[] row : x) for (int k = 0; k < nf; k++) row[k] = (row[k] - mean[k]) / scale[k];

    double[][] gram = new double[nf][nf];
    for (double[] row : x)
      for (int a = 0; a < nf; a++) {
        double va = row[a];
        if (va == 0) continue;
        for (int b = a; b < nf; b++) gram[a][b] += va * row[b];
      }
    for (int a = 0; a < nf; a++) {
      for (int b = 0; b < a; b++) gram[a][b] = gram[b][a];
      gram[a][a] += o.ridge();
    }
    double[][] chol = cholesky(gram);
    double[][] weights = new double[categories.size()][];
    for (int c = 0; c < categories.size(); c++) {
      double[] z = new double[n];
      double zMean = 0;
      for (int r = 0; r < n; r++) {
        z[r] = logit(targets[r][c]);
        zMean += z[r] / n;
      }
      double[] xty = new double[nf];
      for (int r = 0; r < n; r++) {
        double zc = z[r] - zMean;
        for (int k = 0; k < nf; k++) xty[k] += x[r][k] * zc;
      }
      double[] w = solve(chol, xty);
      double residual = 0;
      for (int r = 0; r < n; r++) {
        double pred = zMean;
        for (int k = 0; k < nf; k++) pred += w[k] * x[r][k];
        residual += (z[r] - pred) * (z[r] - pred) / n;
      }
      double[] full = java.util.Arrays.copyOf(w, nf + 1);
      full[nf] = zMean + residual / 2;
      weights[c] = full;
    }
    return new Fit(mean, scale, weights);
  }

  static double[][] cholesky(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++)
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
        if (i == j) {
          if (s <= 0) throw new IllegalStateException("ridge system not positive definite; raise toxicity.scorer.ridge");
          l[i][i] = Math.sqrt(s);
        } else l[i][j] = s / l[j][j];
      }
    return l;
  }

  static double[] solve(double[][] l, double[] b) {
    int n = b.length;
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
      y[i] = s / l[i][i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < n; k++) s -= l[k][i] * x[k];
      x[i] = s / l[i][i];
    }
    return x;
  }
}
