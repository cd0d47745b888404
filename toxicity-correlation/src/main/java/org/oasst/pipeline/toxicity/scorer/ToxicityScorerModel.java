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
  private static final int FORMAT = 1;

  private final List<String> categories;
  private final int dims;
  private final Map<String, Integer> vocab;
  private final float[] vectors; // vocab.size() x dims, row-major
  private final double[] featureMean;
  private final double[] featureScale;
  private final double[][] weights; // [category][feature], last feature is the intercept

  public ToxicityScorerModel(List<String> categories, int dims, Map<String, Integer> vocab, float[] vectors,
      double[] featureMean, double[] featureScale, double[][] weights) {
    this.categories = List.copyOf(categories);
    this.dims = dims;
    this.vocab = vocab;
    this.vectors = vectors;
    this.featureMean = featureMean;
    this.featureScale = featureScale;
    this.weights = weights;
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

  /** Number of regression features: mean-pooled and max-pooled vectors, log length, known share. */
  public static int featureCount(int dims) {
    return 2 * dims + 2;
  }

  /** Raw (unstandardized) features of a text. */
  public double[] rawFeatures(String text) {
    return rawFeatures(text, vocab, vectors, dims);
  }

  static double[] rawFeatures(String text, Map<String, Integer> vocab, float[] vectors, int dims) {
    List<String> tokens = TextTokens.tokens(text);
    double[] f = new double[featureCount(dims)];
    double[] max = new double[dims];
    java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    int known = 0;
    for (String t : tokens) {
      Integer idx = vocab.get(t);
      if (idx == null) continue;
      known++;
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
    return f;
  }

  /** Predicted scores in [0, 1], one per category, in {@link #categories()} order. */
  public double[] predict(String text) {
    double[] raw = rawFeatures(text);
    double[] out = new double[categories.size()];
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
        writeArray(out, featureMean);
        writeArray(out, featureScale);
        out.writeInt(weights.length);
        for (double[] w : weights) writeArray(out, w);
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
      double[] mean = readArray(in);
      double[] scale = readArray(in);
      double[][] weights = new double[in.readInt()][];
      for (int i = 0; i < weights.length; i++) weights[i] = readArray(in);
      return new ToxicityScorerModel(List.of(cats), dims, vocab, vectors, mean, scale, weights);
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
