package org.oasst.pipeline.datasets;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
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
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

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
  /** The seed of Spark ML's {@code FeatureHasher.murmur3Hash} (checked against it when a model is wrapped). */
  private static final int MURMUR_SEED = 42;

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
      byte[] utf8 = probe.getBytes(StandardCharsets.UTF_8);
      if (featureIndex(probe) != hashingTF.indexOf(probe) || featureIndex(utf8, 0, utf8.length) != featureIndex(probe)) {
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
    int[] idx;
    if (hasSurrogate(text)) {
      List<String> shingles = shingles(text, shingleSize);
      idx = new int[shingles.size()];
      for (int i = 0; i < idx.length; i++) idx[i] = featureIndex(shingles.get(i));
    } else {
      // Without surrogates every char is encoded on its own, so a shingle's UTF-8 form is a slice of
      // the text's: one encoding per text instead of a String and an encoding per shingle.
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      int[] offset = new int[text.length() + 1];
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        offset[i + 1] = offset[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : 3);
      }
      idx = new int[Math.max(0, text.length() - shingleSize + 1)];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = featureIndex(utf8, offset[i], offset[i + shingleSize] - offset[i]);
      }
    }
    Arrays.sort(idx);
    int n = 0;
    for (int i = 0; i < idx.length; i++) if (n == 0 || idx[i] != idx[n - 1]) idx[n++] = idx[i];
    return Arrays.copyOf(idx, n);
  }

  /**
   * A shingle may cut a surrogate pair in two, and Java encodes such a half as '?': only the
   * shingle's own String gives the bytes HashingTF hashes then.
   */
  private static boolean hasSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) if (Character.isSurrogate(text.charAt(i))) return true;
    return false;
  }

  /** {@link #featureIndex(String)} of the string whose UTF-8 bytes are {@code utf8[from, from + length)}. */
  private static int featureIndex(byte[] utf8, int from, int length) {
    int raw =
        Murmur3_x86_32.hashUnsafeBytes2(utf8, Platform.BYTE_ARRAY_OFFSET + from, length, MURMUR_SEED) % FEATURES;
    return raw < 0 ? raw + FEATURES : raw;
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

  /** The band keys of {@link #bandKeys} that {@code index} holds, in band order. */
  List<Long> bandKeysIn(String text, BandIndex index) {
    List<Long> keys = new ArrayList<>(2);
    for (long key : bandKeys(text)) if (index.hasKey(key)) keys.add(key);
    return keys;
  }

  /**
   * The band keys of a set of texts, sorted for lookups. (Testing a band's first min-hash before
   * computing the others does not pay: among thousands of indexed texts, some text almost always
   * shares any one min-hash, since one hash agrees with the probability of the texts' similarity.)
   */
  static final class BandIndex implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long[] keys;

    BandIndex(List<List<Long>> bandKeysOfTexts) {
      keys = bandKeysOfTexts.stream().flatMap(List::stream).mapToLong(Long::longValue).sorted().distinct().toArray();
    }

    boolean hasKey(long key) {
      return Arrays.binarySearch(keys, key) >= 0;
    }
  }

  /** Exact Jaccard similarity of two texts' shingle sets (1 for two texts without shingles). */
  static double jaccard(String x, String y, int shingleSize) {
    long[] a = shingleCodesWithRepeats(x, shingleSize);
    long[] b = shingleCodesWithRepeats(y, shingleSize);
    if (a.length == 0 && b.length == 0) return 1.0;
    // One open-addressing table marks which text holds each code: a few hundred probes instead of
    // sorting both code arrays, which took most of the time. The codes are already well mixed, so
    // their low bits pick the slot.
    int capacity = Integer.highestOneBit(2 * (a.length + b.length) + 1) << 1;
    int mask = capacity - 1;
    long[] codes = new long[capacity];
    byte[] holders = new byte[capacity]; // 0 empty, 1 in x, 2 in y only, 3 in both
    int distinctX = 0;
    int distinctY = 0;
    int common = 0;
    for (long c : a) {
      int slot = slotOf(c, codes, holders, mask);
      if (holders[slot] == 0) {
        codes[slot] = c;
        holders[slot] = 1;
        distinctX++;
      }
    }
    for (long c : b) {
      int slot = slotOf(c, codes, holders, mask);
      if (holders[slot] == 0) {
        codes[slot] = c;
        holders[slot] = 2;
        distinctY++;
      } else if (holders[slot] == 1) {
        holders[slot] = 3;
        distinctY++;
        common++;
      }
    }
    return (double) common / (distinctX + distinctY - common);
  }

  /** The slot holding {@code code}, or the empty slot where it goes (linear probing). */
  private static int slotOf(long code, long[] codes, byte[] holders, int mask) {
    int slot = (int) code & mask;
    while (holders[slot] != 0 && codes[slot] != code) slot = (slot + 1) & mask;
    return slot;
  }

  /**
   * A 64-bit code per shingle, in text order with repeats: two shingles get the same code only if
   * they are equal (or, with odds of about n^2 / 2^64, collide). Comparing codes is far cheaper than
   * comparing substrings, and gives the same Jaccard value.
   */
  static long[] shingleCodesWithRepeats(String text, int shingleSize) {
    int count = Math.max(0, text.length() - shingleSize + 1);
    long[] codes = new long[count];
    for (int i = 0; i < count; i++) {
      long h = shingleSize;
      for (int k = i; k < i + shingleSize; k++) h = mix(h * 31 + text.charAt(k));
      codes[i] = h;
    }
    return codes;
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
