package org.oasst.pipeline.datasets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Assigns whole trees to splits from a seeded hash of the tree id alone: a tree keeps its split when
 * data is added, on any cluster size, and no tree can be in two splits. The hash is SHA-256 of
 * {@code "<seed>:<message_tree_id>"} (UTF-8); its first 8 bytes, read big-endian as an unsigned
 * number and scaled to [0, 1), are compared with the fractions: below validation_fraction is
 * validation, below validation_fraction + test_fraction is test, the rest is train. Any language can
 * recompute it.
 */
public final class Splits {
  private Splits() {}

  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";
  /** The split order: a prompt seen in an earlier split is dropped from the later ones. */
  public static final List<String> ORDER = List.of(TRAIN, VALIDATION, TEST);

  public static double unitHash(long seed, String treeId) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] d = sha.digest((seed + ":" + treeId).getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) v = (v << 8) | (d[i] & 0xff);
      return (v >>> 11) * 0x1.0p-53;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public static String of(String treeId, long seed, double validationFraction, double testFraction) {
    double u = unitHash(seed, treeId);
    if (u < validationFraction) return VALIDATION;
    if (u < validationFraction + testFraction) return TEST;
    return TRAIN;
  }

  /** The splits a run produces (test only when its fraction is above zero). */
  public static List<String> produced(DatasetOptions opts) {
    return opts.testFraction > 0 ? ORDER : List.of(TRAIN, VALIDATION);
  }
}
