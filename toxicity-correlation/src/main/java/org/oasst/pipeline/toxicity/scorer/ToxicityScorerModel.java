package org.oasst.pipeline.toxicity.scorer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trained text scorer: word vectors (learned by DL4J Word2Vec) pooled into a text vector, then one
 * ridge regression per Detoxify category on the logit scale. It holds plain arrays only, so it is
 * cheap to broadcast and scoring on executors needs no DL4J/ND4J natives.
 */
public final class ToxicityScorerModel implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String FILE = "model.bin";
  public static final String META = "model.json";
  private static final int FORMAT = 3;

  private final List<String> categories;
  private final int dims;
  private final Map<String, Integer> vocab;
  private final float[] vectors; // vocab.size() x dims, row-major
  private final float[] wordScores; // per word: first-stage toxicity direction, or null
  private final double wordThreshold;
  private final double[] featureMean;
  private final double[] featureScale;
  private final double[][] weights; // [category][feature], last feature is the intercept
  private final double[][] calibration; // [category] = {a, b}: score = clip(a + b * sigmoid(z))

  public ToxicityScorerModel(List<String> categories, int dims, Map<String, Integer> vocab, float[] vectors,
      float[] wordScores, double wordThreshold, double[] featureMean, double[] featureScale, double[][] weights,
      double[][] calibration) {
    this.categories = List.copyOf(categories);
    this.dims = dims;
    this.vocab = vocab;
    this.vectors = vectors;
    this.wordScores = wordScores;
    this.wordThreshold = wordThreshold;
    this.featureMean = featureMean;
    this.featureScale = featureScale;
    this.weights = weights;
    this.calibration = calibration;
  }

  public List<String> categories() {
    return categories;
  }

  public int dims() {
    return dims;
  }

  public int vocabularySize() {
    return vocab.size();
  }

  /**
   * Number of regression features: mean-pooled and max-pooled word vectors, log length, share of
   * known words, and three features of the per-word toxicity scores (max, mean of the top three,
   * share of words above the threshold) that let a few toxic words in a long text count.
   */
  public static int featureCount(int dims) {
    return 2 * dims + 5;
  }

  /** Raw (unstandardized) features of a text. */
  public double[] rawFeatures(String text) {
    return rawFeatures(text, vocab, vectors, dims, wordScores, wordThreshold);
  }

  static double[] rawFeatures(String text, Map<String, Integer> vocab, float[] vectors, int dims,
      float[] wordScores, double wordThreshold) {
    List<String> tokens = TextTokens.tokens(text);
    double[] f = new double[featureCount(dims)];
    double[] max = new double[dims];
    java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    int known = 0;
    double top1 = Double.NEGATIVE_INFINITY, top2 = Double.NEGATIVE_INFINITY, top3 = Double.NEGATIVE_INFINITY;
    int above = 0;
    for (String t : tokens) {
      Integer idx = vocab.get(t);
      if (idx == null) continue;
      known++;
      if (wordScores != null) {
        double ws = wordScores[idx];
        if (ws > wordThreshold) above++;
        if (ws > top1) {
          top3 = top2;
          top2 = top1;
          top1 = ws;
        } else if (ws > top2) {
          top3 = top2;
          top2 = ws;
        } else if (ws > top3) top3 = ws;
      }
      int base = idx * dims;
      for (int d = 0; d < dims; d++) {
        double v = vectors[base + d];
        f[d] += v;
        if (v > max[d]) max[d] = v;
      }
    }
    for (int d = 0; d < dims; d++) {
      f[d] = known > 0 ? f[d] / known : 0;
      f[dims + d] = known > 0 ? max[d] : 0;
    }
    f[2 * dims] = Math.log1p(tokens.size());
    f[2 * dims + 1] = tokens.isEmpty() ? 0 : (double) known / tokens.size();
    if (wordScores != null && known > 0) {
      f[2 * dims + 2] = top1;
      double sum = top1;
      int cnt = 1;
      if (known > 1) {
        sum += top2;
        cnt++;
      }
      if (known > 2) {
        sum += top3;
        cnt++;
      }
      f[2 * dims + 3] = sum / cnt;
      f[2 * dims + 4] = (double) above / known;
    }
    return f;
  }

  /** Predicted scores in [0, 1], one per category, in {@link #categories()} order. */
  public double[] predict(String text) {
    double[] s = uncalibrated(rawFeatures(text), featureMean, featureScale, weights);
    for (int c = 0; c < s.length; c++)
      s[c] = Math.max(0.0, Math.min(1.0, calibration[c][0] + calibration[c][1] * s[c]));
    return s;
  }

  /** sigmoid of the regression's logit, per category. */
  static double[] uncalibrated(double[] raw, double[] featureMean, double[] featureScale, double[][] weights) {
    double[] out = new double[weights.length];
    for (int c = 0; c < out.length; c++) {
      double[] w = weights[c];
      double z = w[w.length - 1];
      for (int k = 0; k < raw.length; k++) z += w[k] * ((raw[k] - featureMean[k]) / featureScale[k]);
      out[c] = 1.0 / (1.0 + Math.exp(-z));
    }
    return out;
  }

  /** Writes model.bin (everything, exact) and model.json (a human-readable summary) into dir. */
  public void save(String dir, Configuration hadoop, String summaryJson) {
    try {
      Path d = new Path(dir);
      FileSystem fs = d.getFileSystem(hadoop);
      fs.mkdirs(d);
      try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(fs.create(new Path(d, FILE), true)))) {
        out.writeInt(FORMAT);
        out.writeInt(categories.size());
        for (String c : categories) out.writeUTF(c);
        out.writeInt(dims);
        String[] words = new String[vocab.size()];
        vocab.forEach((w, i) -> words[i] = w);
        out.writeInt(words.length);
        for (String w : words) {
          byte[] b = w.getBytes(StandardCharsets.UTF_8);
          out.writeInt(b.length);
          out.write(b);
        }
        for (float v : vectors) out.writeFloat(v);
        out.writeBoolean(wordScores != null);
        if (wordScores != null) for (float v : wordScores) out.writeFloat(v);
        out.writeDouble(wordThreshold);
        writeArray(out, featureMean);
        writeArray(out, featureScale);
        out.writeInt(weights.length);
        for (double[] w : weights) writeArray(out, w);
        for (double[] cal : calibration) writeArray(out, cal);
      }
      try (var out = fs.create(new Path(d, META), true)) {
        out.write(summaryJson.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot save toxicity scorer to " + dir, e);
    }
  }

  public static ToxicityScorerModel load(String dir, Configuration hadoop) {
    Path file = new Path(dir, FILE);
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file.getFileSystem(hadoop).open(file)))) {
      int format = in.readInt();
      if (format != FORMAT)
        throw new IllegalArgumentException("unknown toxicity scorer format " + format + " in " + file);
      int nc = in.readInt();
      String[] cats = new String[nc];
      for (int i = 0; i < nc; i++) cats[i] = in.readUTF();
      int dims = in.readInt();
      int nw = in.readInt();
      Map<String, Integer> vocab = new HashMap<>(nw * 2);
      for (int i = 0; i < nw; i++) {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        vocab.put(new String(b, StandardCharsets.UTF_8), i);
      }
      float[] vectors = new float[nw * dims];
      for (int i = 0; i < vectors.length; i++) vectors[i] = in.readFloat();
      float[] wordScores = null;
      if (in.readBoolean()) {
        wordScores = new float[nw];
        for (int i = 0; i < nw; i++) wordScores[i] = in.readFloat();
      }
      double wordThreshold = in.readDouble();
      double[] mean = readArray(in);
      double[] scale = readArray(in);
      double[][] weights = new double[in.readInt()][];
      for (int i = 0; i < weights.length; i++) weights[i] = readArray(in);
      double[][] calibration = new double[weights.length][];
      for (int i = 0; i < weights.length; i++) calibration[i] = readArray(in);
      return new ToxicityScorerModel(List.of(cats), dims, vocab, vectors, wordScores, wordThreshold, mean, scale, weights, calibration);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read toxicity scorer model " + file + " (toxicity.model_path)", e);
    }
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) out.writeDouble(v);
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    double[] a = new double[in.readInt()];
    for (int i = 0; i < a.length; i++) a[i] = in.readDouble();
    return a;
  }
}
