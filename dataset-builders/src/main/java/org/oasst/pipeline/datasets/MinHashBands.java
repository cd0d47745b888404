package org.oasst.pipeline.datasets;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Band keys of Spark ML MinHash LSH signatures for prompt texts, computed in one tight loop.
 *
 * <p>The hash functions are those of a fitted Spark ML {@link MinHashLSHModel} (seeded), over the
 * feature indices Spark ML's {@link HashingTF} gives the character shingles, so every min-hash equals
 * what {@code HashingTF} + {@code MinHashLSHModel.transform} would produce (a test checks it). What
 * differs is the cost: the model's own transform builds a boxed Scala list per hash function and row,
 * which took about 140 s of CPU per million prompts' worth of work at 50 hash functions; this loop over
 * a sorted {@code int[]} does the same arithmetic in a few seconds.
 */
final class MinHashBands implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Spark ML's HashingTF default size; large enough that distinct shingles rarely share an index. */
  static final int FEATURES = 1 << 20;
  /**
   * Spark ML's {@code MinHashLSH.HASH_PRIME}, as a constant so that the JIT turns the modulo into
   * multiplications (checked against Spark's value when a model is wrapped).
   */
  private static final long PRIME = 2038074743L;

  private final long[] a;
  private final long[] b;
  private final int shingleSize;
  private final int rowsPerBand;

  MinHashBands(HashingTF hashingTF, MinHashLSHModel model, int shingleSize, int rowsPerBand) {
    scala.Tuple2<Object, Object>[] coefficients = model.randCoefficients();
    this.a = new long[coefficients.length];
    this.b = new long[coefficients.length];
    for (int i = 0; i < coefficients.length; i++) {
      a[i] = (Integer) coefficients[i]._1();
      b[i] = (Integer) coefficients[i]._2();
    }
    if (org.apache.spark.ml.feature.MinHashLSH$.MODULE$.HASH_PRIME() != PRIME) {
      throw new IllegalStateException("Spark ML's MinHash prime is not " + PRIME);
    }
    for (String probe : List.of("hello", "wörld", "\u4f60\u597d\u4e16\u754c!")) {
      if (featureIndex(probe) != hashingTF.indexOf(probe)) {
        throw new IllegalStateException("HashingTF does not use Spark 3's murmur3 hash");
      }
    }
    this.shingleSize = shingleSize;
    this.rowsPerBand = rowsPerBand;
  }

  /** The Spark ML model for {@code bands x rowsPerBand} hash functions, seeded. */
  static MinHashBands fit(SparkSession spark, int shingleSize, int bands, int rowsPerBand, long seed) {
    HashingTF tf = new HashingTF().setNumFeatures(FEATURES).setBinary(true);
    MinHashLSH lsh =
        new MinHashLSH().setNumHashTables(bands * rowsPerBand).setSeed(seed).setInputCol("features");
    // The model needs only the vector size: fit on one row rather than on the data.
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType());
    MinHashLSHModel model =
        lsh.fit(
            spark.createDataFrame(
                List.of(RowFactory.create(Vectors.sparse(FEATURES, new int[] {0}, new double[] {1}))), schema));
    return new MinHashBands(tf, model, shingleSize, rowsPerBand);
  }

  /** The character shingles of a text: every run of {@code shingleSize} consecutive chars. */
  static List<String> shingles(String text, int shingleSize) {
    List<String> out = new ArrayList<>(Math.max(0, text.length() - shingleSize + 1));
    for (int i = 0; i + shingleSize <= text.length(); i++) out.add(text.substring(i, i + shingleSize));
    return out;
  }

  /** The sorted distinct HashingTF indices of a text's shingles (the non-zeros of its binary vector). */
  int[] featureIndices(String text) {
    List<String> shingles = shingles(text, shingleSize);
    int[] idx = new int[shingles.size()];
    for (int i = 0; i < idx.length; i++) idx[i] = featureIndex(shingles.get(i));
    Arrays.sort(idx);
    int n = 0;
    for (int i = 0; i < idx.length; i++) if (n == 0 || idx[i] != idx[n - 1]) idx[n++] = idx[i];
    return Arrays.copyOf(idx, n);
  }

  /**
   * {@code HashingTF.indexOf} for Spark 3's hash (the default of a new {@code HashingTF}, which the
   * constructor checks): the same murmur3 hash and non-negative modulo, without the parameter lookup
   * that {@code indexOf} makes on every call (a linear search over the transformer's parameters, which
   * was a fifth of the min-hash time).
   */
  private static int featureIndex(String term) {
    int raw = org.apache.spark.ml.feature.FeatureHasher$.MODULE$.murmur3Hash(term) % FEATURES;
    return raw < 0 ? raw + FEATURES : raw;
  }

  /** The min-hashes, exactly as {@code MinHashLSHModel} computes them: min of ((1 + i) * a + b) mod p. */
  long[] minHashes(String text) {
    int[] idx = featureIndices(text);
    long[] out = new long[a.length];
    for (int k = 0; k < a.length; k++) {
      long ak = a[k];
      long bk = b[k];
      long min = Long.MAX_VALUE;
      for (int i : idx) {
        long h = ((1L + i) * ak + bk) % PRIME;
        if (h < min) min = h;
      }
      out[k] = min;
    }
    return out;
  }

  /**
   * One key per band: the band's number and its {@code rowsPerBand} min-hashes mixed into 64 bits.
   * Two texts share a key exactly when one whole band agrees (up to 64-bit collisions, which only
   * add a candidate that the exact similarity then rejects). Empty for texts without a shingle.
   */
  List<Long> bandKeys(String text) {
    if (text == null || text.length() < shingleSize) return List.of();
    long[] h = minHashes(text);
    int bands = h.length / rowsPerBand;
    List<Long> keys = new ArrayList<>(bands);
    for (int band = 0; band < bands; band++) {
      long key = mix(band + 1);
      for (int r = 0; r < rowsPerBand; r++) key = mix(key ^ h[band * rowsPerBand + r]);
      keys.add(key);
    }
    return keys;
  }

  /** Exact Jaccard similarity of two texts' shingle sets (1 for two texts without shingles). */
  static double jaccard(String x, String y, int shingleSize) {
    long[] a = shingleCodes(x, shingleSize);
    long[] b = shingleCodes(y, shingleSize);
    if (a.length == 0 && b.length == 0) return 1.0;
    int common = 0;
    for (int i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] == b[j]) {
        common++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return (double) common / (a.length + b.length - common);
  }

  /**
   * The text's distinct shingles as sorted 64-bit codes: two shingles get the same code only if they
   * are equal (or, with odds of about n^2 / 2^64, collide). Comparing sorted codes is far cheaper than
   * hash sets of substrings, and gives the same Jaccard value.
   */
  static long[] shingleCodes(String text, int shingleSize) {
    int count = Math.max(0, text.length() - shingleSize + 1);
    long[] codes = new long[count];
    for (int i = 0; i < count; i++) {
      long h = shingleSize;
      for (int k = i; k < i + shingleSize; k++) h = mix(h * 31 + text.charAt(k));
      codes[i] = h;
    }
    Arrays.sort(codes);
    int n = 0;
    for (int i = 0; i < count; i++) if (n == 0 || codes[i] != codes[n - 1]) codes[n++] = codes[i];
    return Arrays.copyOf(codes, n);
  }

  /** A 64-bit finalizer (MurmurHash3's fmix64): every input bit affects every output bit. */
  private static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
