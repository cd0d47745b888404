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

    int nf = ToxicityScorerModel.featureCount(o.dims());
    int n = texts.size();
    double[][] x = new double[n][];
    for (int r = 0; r < n; r++) x[r] = ToxicityScorerModel.rawFeatures(texts.get(r), vocab, vectors, o.dims());
    double[] mean = new double[nf], scale = new double[nf];
    for (double[] row : x) for (int k = 0; k < nf; k++) mean[k] += row[k] / n;
    for (double[] row : x) for (int k = 0; k < nf; k++) scale[k] += (row[k] - mean[k]) * (row[k] - mean[k]) / n;
    for (int k = 0; k < nf; k++) scale[k] = scale[k] > 1e-12 ? Math.sqrt(scale[k]) : 1.0;
    for (double[] row : x) for (int k = 0; k < nf; k++) row[k] = (row[k] - mean[k]) / scale[k];

    // Ridge on standardized features: the intercept is the target mean and is not penalized.
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
        double y = Math.min(1 - CLIP, Math.max(CLIP, targets[r][c]));
        z[r] = Math.log(y / (1 - y));
        zMean += z[r] / n;
      }
      double[] xty = new double[nf];
      for (int r = 0; r < n; r++) {
        double zc = z[r] - zMean;
        for (int k = 0; k < nf; k++) xty[k] += x[r][k] * zc;
      }
      double[] w = solve(chol, xty);
      double[] full = java.util.Arrays.copyOf(w, nf + 1);
      full[nf] = zMean;
      weights[c] = full;
    }
    return new ToxicityScorerModel(categories, o.dims(), vocab, vectors, mean, scale, weights);
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
