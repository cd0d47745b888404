package org.oasst.pipeline.quality.labels;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Everything the label statistics and the label correlation need, tallied message by message over
 * one partition of the messages table in the analyze stage's single scan: how many messages carry
 * each distinct value of each label, per (role, lang, rank), with their review counts, and for each
 * pair of labels how many messages carry each pair of values. {@link LabelPassResult} derives from
 * these, on the driver, the value-frequency table of {@link LabelStats#byRoleLangRank} and the sums
 * and joint tables of {@link LabelCorrelation}.
 *
 * <p>Label names, distinct values and (role, language, rank) combinations get small indices in order
 * of first appearance within the partition, and every table is a dense array over those indices:
 * exported label means take a few dozen values per label, so a message's 13 labels and 91 label
 * pairs cost array increments, and the sums over the values are taken once per distinct value at the
 * end instead of once per message. A partition whose tables outgrow their limits (continuous,
 * non-OASST-like values) gives up the part that grew too large, and the driver then runs the Spark
 * pass for it instead.
 */
public final class LabelTally implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Above this many (x, y) cells a pair's joint table is given up (256 x 256 values). */
  static final int MAX_PAIR_CELLS = 1 << 16;

  /**
   * Value-frequency entries (per combination, name and value) of one partition beyond which they are
   * given up: OASST-like labels need at most a few hundred thousand (every role, language and rank
   * times a few dozen values per label), and the driver keeps a table of at most 2 million rows.
   */
  static final int MAX_SLOTS = 500_000;

  /** Local name index -> name. */
  final List<String> names = new ArrayList<>();
  /** Local (role, lang, rank) combination -> its values; rank null for an unranked message. */
  final List<String> comboRole = new ArrayList<>();
  final List<String> comboLang = new ArrayList<>();
  final List<Integer> comboRank = new ArrayList<>();

  /** Per name: value index -> the value (index 0 stands for "no value"). */
  double[][] values = new double[8][];
  int[] valueCount = new int[8];

  // One entry of the value-frequency table per slot: combination, name, value index, and the
  // messages, summed review counts and messages with a review count (Spark's sum of the counts is
  // null when none had one), interleaved in slotCounts.
  int slots;
  int[] slotCombo = new int[1024];
  int[] slotName = new int[1024];
  int[] slotValue = new int[1024];
  long[] slotCounts = new long[3 * 1024];
  boolean frequenciesGivenUp;

  /** Per local pair (i <= j): messages per (value of i, value of j); null until the pair occurs. */
  PairTally[][] pairs = new PairTally[8][8];
  boolean correlationGivenUp;

  // Filling state, rebuilt lazily after deserialization (never needed on the driver).
  private transient Map<UTF8String, Integer> nameIndex;
  private transient List<UTF8String> nameKeys;
  private transient UTF8String[] lastNameAt;
  private transient int[] lastNameIndexAt;
  private transient LongIntMap comboIndex;
  /** Per combination: name -> group of slots (-1: none yet); per group: value -> slot (-1: none). */
  private transient int[][] groupOf;
  private transient List<int[]> slotsOfGroup;
  /** Per name: the value's bits -> value index. */
  private transient LongIntMap[] valueIndex;
  // The current message's labels with a value (first occurrence of each name).
  private transient int[] present;
  private transient int[] presentValue;
  private transient int presentCount;
  private transient boolean[] seen;
  private transient int combo;

  private void initFilling() {
    nameIndex = new HashMap<>();
    nameKeys = new ArrayList<>();
    lastNameAt = new UTF8String[32];
    lastNameIndexAt = new int[32];
    comboIndex = new LongIntMap();
    groupOf = new int[8][];
    slotsOfGroup = new ArrayList<>();
    valueIndex = new LongIntMap[8];
    present = new int[32];
    presentValue = new int[32];
    seen = new boolean[8];
  }

  /** The partition's label names, by local index. */
  public List<String> names() {
    return java.util.Collections.unmodifiableList(names);
  }

  /** Local index of the (role, lang, rank) combination; lang already defaulted to "und". */
  public int combination(int roleCode, String role, int langCode, String lang, boolean rankNull, int rank) {
    if (nameIndex == null) initFilling();
    long key = ((long) roleCode << 48) ^ ((long) langCode << 33) ^ (rankNull ? 1L << 32 : 0L)
        ^ (rank & 0xFFFFFFFFL);
    int idx = comboIndex.get(key);
    if (idx >= 0) return idx;
    idx = comboRole.size();
    comboIndex.put(key, idx);
    comboRole.add(role);
    comboLang.add(lang);
    comboRank.add(rankNull ? null : rank);
    if (groupOf == null) return idx; // the frequencies were given up
    if (idx == groupOf.length) groupOf = Arrays.copyOf(groupOf, idx * 2);
    groupOf[idx] = new int[0];
    return idx;
  }

  /** Starts a message with a labels map, of the given combination. */
  public void beginMessage(int combination) {
    if (nameIndex == null) initFilling();
    combo = combination;
    presentCount = 0;
  }

  /**
   * Local index of the label name at {@code position} of the message's map. Maps written by the
   * pipeline list the same names in the same order message after message, so the name last seen at
   * the same position is compared first.
   */
  public int nameAt(int position, UTF8String name) {
    if (position < lastNameAt.length && name.equals(lastNameAt[position]))
      return lastNameIndexAt[position];
    Integer idx = nameIndex.get(name);
    if (idx == null) {
      idx = names.size();
      UTF8String copy = name.clone();
      nameIndex.put(copy, idx);
      nameKeys.add(copy);
      names.add(copy.toString());
      growNames(idx + 1);
    }
    if (position < lastNameAt.length) {
      lastNameAt[position] = nameKeys.get(idx);
      lastNameIndexAt[position] = idx;
    }
    return idx;
  }

  private void growNames(int n) {
    if (n > values.length) {
      int cap = Math.max(n, values.length * 2);
      values = Arrays.copyOf(values, cap);
      valueCount = Arrays.copyOf(valueCount, cap);
      valueIndex = Arrays.copyOf(valueIndex, cap);
      seen = Arrays.copyOf(seen, cap);
      PairTally[][] grown = new PairTally[cap][cap];
      for (int i = 0; i < pairs.length; i++) System.arraycopy(pairs[i], 0, grown[i], 0, pairs.length);
      pairs = grown;
    }
    int i = n - 1;
    values[i] = new double[8];
    valueCount[i] = 1; // index 0: the label without a value
    valueIndex[i] = new LongIntMap();
  }

  /**
   * One label of the current message: its value (null: none) and review count (null: none). A name
   * repeated within one map counts again in the frequencies (as exploding the map does) and only
   * once in the correlation (as looking the name up does).
   */
  public void label(int name, boolean valueNull, double value, boolean countNull, int count) {
    if (frequenciesGivenUp && correlationGivenUp) return;
    int v = valueNull ? 0 : valueIndexOf(name, value);
    if (!frequenciesGivenUp) {
      int slot = slotOf(name, v);
      if (slot >= 0) {
        int at = 3 * slot;
        slotCounts[at]++;
        if (!countNull) {
          slotCounts[at + 1] += count;
          slotCounts[at + 2]++;
        }
      }
    }
    if (seen[name]) return;
    // The first occurrence decides, as element_at does: a later one is not looked at.
    seen[name] = true;
    if (!valueNull) {
      if (presentCount == present.length) {
        present = Arrays.copyOf(present, presentCount * 2);
        presentValue = Arrays.copyOf(presentValue, presentCount * 2);
      }
      present[presentCount] = name;
      presentValue[presentCount++] = v;
    }
  }

  /** Ends the current message: every pair of its labels with a value. */
  public void endMessage() {
    Arrays.fill(seen, 0, names.size(), false);
    if (correlationGivenUp) return;
    for (int a = 0; a < presentCount; a++) {
      int i = present[a];
      PairTally[] row = pairs[i];
      for (int b = 0; b < presentCount; b++) {
        int j = present[b];
        if (j < i) continue;
        PairTally p = row[j];
        if (p == null) p = row[j] = new PairTally();
        if (!p.add(presentValue[a], presentValue[b])) {
          correlationGivenUp = true;
          pairs = new PairTally[0][0];
          releaseValuesIfUnused();
          return;
        }
      }
    }
  }

  /** With both parts given up, the distinct values are of no use: they are dropped, not shipped. */
  private void releaseValuesIfUnused() {
    if (!frequenciesGivenUp || !correlationGivenUp) return;
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) values[i] = new double[1];
      valueCount[i] = Math.min(valueCount[i], 1);
      valueIndex[i] = null;
    }
  }

  private int valueIndexOf(int name, double value) {
    // Equal values share an index whatever their bits (0.0 and -0.0, NaNs), as Spark groups them.
    long bits = Double.doubleToLongBits(value == 0.0 ? 0.0 : value);
    int idx = valueIndex[name].get(bits);
    if (idx >= 0) return idx;
    idx = valueCount[name]++;
    valueIndex[name].put(bits, idx);
    if (idx == values[name].length) values[name] = Arrays.copyOf(values[name], idx * 2);
    values[name][idx] = value == 0.0 ? 0.0 : value;
    return idx;
  }

  /**
   * Spark's {@code round(x, 6)} for doubles: half up on the shortest decimal form of the double,
   * NaN and infinities unchanged.
   */
  public static double roundHalfUp6(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) return x;
    return BigDecimal.valueOf(x).setScale(6, RoundingMode.HALF_UP).doubleValue();
  }

  private int slotOf(int name, int value) {
    int[] groups = groupOf[combo];
    if (name >= groups.length) {
      int old = groups.length;
      groups = groupOf[combo] = Arrays.copyOf(groups, Math.max(name + 1, old * 2));
      Arrays.fill(groups, old, groups.length, -1);
    }
    int group = groups[name];
    if (group < 0) {
      group = groups[name] = slotsOfGroup.size();
      int[] fresh = new int[8];
      Arrays.fill(fresh, -1);
      slotsOfGroup.add(fresh);
    }
    int[] bySlot = slotsOfGroup.get(group);
    if (value >= bySlot.length) {
      int old = bySlot.length;
      bySlot = Arrays.copyOf(bySlot, Math.max(value + 1, old * 2));
      Arrays.fill(bySlot, old, bySlot.length, -1);
      slotsOfGroup.set(group, bySlot);
    }
    int slot = bySlot[value];
    if (slot >= 0) return slot;
    if (slots == MAX_SLOTS) {
      frequenciesGivenUp = true;
      // Nothing of it is shipped to the driver, which reads the labels again instead.
      slots = 0;
      slotCombo = slotName = slotValue = new int[0];
      slotCounts = new long[0];
      slotsOfGroup = null;
      groupOf = null;
      releaseValuesIfUnused();
      return -1;
    }
    slot = bySlot[value] = slots++;
    if (slot == slotCombo.length) {
      int cap = slot * 2;
      slotCombo = Arrays.copyOf(slotCombo, cap);
      slotName = Arrays.copyOf(slotName, cap);
      slotValue = Arrays.copyOf(slotValue, cap);
      slotCounts = Arrays.copyOf(slotCounts, 3 * cap);
    }
    slotCombo[slot] = combo;
    slotName[slot] = name;
    slotValue[slot] = value;
    return slot;
  }

  /**
   * One pair of labels (i <= j by local index) of one partition: the messages with each pair of
   * values (x: the value index of i, y: of j). Int counts: a partition holds far fewer than 2^31
   * messages.
   */
  static final class PairTally implements Serializable {
    private static final long serialVersionUID = 1L;
    int rows = 8, cols = 8;
    int[] counts = new int[64];

    boolean add(int xi, int yi) {
      if (xi >= rows || yi >= cols) {
        int r = rows, c = cols;
        while (xi >= r) r *= 2;
        while (yi >= c) c *= 2;
        if ((long) r * c > MAX_PAIR_CELLS) return false;
        int[] grown = new int[r * c];
        for (int a = 0; a < rows; a++) System.arraycopy(counts, a * cols, grown, a * c, cols);
        counts = grown;
        rows = r;
        cols = c;
      }
      counts[xi * cols + yi]++;
      return true;
    }

    long count(int xi, int yi) {
      return counts[xi * cols + yi];
    }
  }

  /**
   * Murmur3's 64-bit finalizer, for hash tables keyed by doubles' bits: those bits are all zero at the
   * low end for values such as 0.25 or 0.5, and a multiplication keeps those zeros, so hashing by a
   * product alone sent such values to one slot and made long probe chains.
   */
  static int mix(long key) {
    long x = key;
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return (int) x;
  }

  /** Open addressing from long keys to int values >= 0 (linear probing, no removal). */
  static final class LongIntMap {
    private long[] keys = new long[64];
    private int[] values = new int[64];
    private int size;

    LongIntMap() {
      Arrays.fill(values, -1);
    }

    int get(long key) {
      int mask = keys.length - 1;
      for (int h = slot(key, mask); values[h] >= 0; h = (h + 1) & mask) if (keys[h] == key) return values[h];
      return -1;
    }

    void put(long key, int value) {
      int mask = keys.length - 1;
      int h = slot(key, mask);
      while (values[h] >= 0 && keys[h] != key) h = (h + 1) & mask;
      if (values[h] < 0) size++;
      keys[h] = key;
      values[h] = value;
      if (size * 2 > keys.length) {
        long[] k = keys;
        int[] v = values;
        keys = new long[k.length * 2];
        values = new int[k.length * 2];
        Arrays.fill(values, -1);
        size = 0;
        for (int i = 0; i < k.length; i++) if (v[i] >= 0) put(k[i], v[i]);
      }
    }

    private static int slot(long key, int mask) {
      return mix(key) & mask;
    }
  }
}
