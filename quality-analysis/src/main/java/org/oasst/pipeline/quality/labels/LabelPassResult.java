package org.oasst.pipeline.quality.labels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The partitions' {@link LabelTally}s merged on the driver, in partition order, into what the two
 * Spark passes over the labels map produce: the value-frequency table per scope (the input of
 * {@link LabelStats#fromFrequencies}) and the correlation matrix rows. Either part is null when a
 * partition gave it up; the caller then runs the Spark pass for that part.
 */
public final class LabelPassResult {
  /** The columns of {@link LabelStats#frequencies}, as {@link LabelStats#fromFrequencies} reads them. */
  static final StructType FREQUENCY_SCHEMA =
      new StructType()
          .add("scope", DataTypes.StringType, false)
          .add("scope_value", DataTypes.StringType, true)
          .add("name", DataTypes.StringType, false)
          .add("key", DataTypes.DoubleType, true)
          .add("messages", DataTypes.LongType, false)
          .add("with_value", DataTypes.LongType, false)
          .add("reviews", DataTypes.LongType, true)
          .add("s1", DataTypes.DoubleType, true)
          .add("s2", DataTypes.DoubleType, true)
          .add("vmin", DataTypes.DoubleType, true)
          .add("vmax", DataTypes.DoubleType, true);

  private final List<LabelTally> parts;
  private final List<String> names;

  /** {@code parts}: one tally per partition, in partition order. */
  public LabelPassResult(List<LabelTally> parts) {
    this.parts = parts;
    TreeSet<String> all = new TreeSet<>();
    for (LabelTally t : parts) all.addAll(t.names);
    this.names = List.copyOf(all);
  }

  /** Every label name of the input, sorted (as {@link LabelStats#names}). */
  public List<String> names() {
    return names;
  }

  private boolean frequenciesComplete() {
    return parts.stream().noneMatch(t -> t.frequenciesGivenUp);
  }

  private boolean correlationComplete() {
    return parts.stream().noneMatch(t -> t.correlationGivenUp);
  }

  /**
   * The value-frequency rows per (scope, scope_value, name, key), as {@link LabelStats#frequencies}
   * with 6 decimals computes them; null if a partition gave the table up.
   */
  public List<Row> frequencyRows() {
    if (!frequenciesComplete()) return null;
    Map<String, Integer> nameIndex = new HashMap<>();
    for (int i = 0; i < names.size(); i++) nameIndex.put(names.get(i), i);
    // (scope, scope_value) pairs get small ids; every rounded key a global code per name.
    Map<List<String>, Integer> scopeIds = new HashMap<>();
    List<List<String>> scopes = new ArrayList<>();
    List<Map<Long, Integer>> codeOfKey = new ArrayList<>();
    List<List<Double>> keyOfCode = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      codeOfKey.add(new HashMap<>());
      keyOfCode.add(new ArrayList<>());
    }
    LabelTally.LongIntMap rowOf = new LabelTally.LongIntMap();
    Sums sums = new Sums();
    for (LabelTally t : parts) {
      int[] globalName = new int[t.names.size()];
      for (int i = 0; i < globalName.length; i++) globalName[i] = nameIndex.get(t.names.get(i));
      int[][] comboScopes = new int[t.comboRole.size()][];
      for (int c = 0; c < comboScopes.length; c++) {
        Integer rank = t.comboRank.get(c);
        List<List<String>> of = new ArrayList<>();
        of.add(Arrays.asList("all", null));
        of.add(Arrays.asList("role", t.comboRole.get(c)));
        of.add(Arrays.asList("lang", t.comboLang.get(c)));
        if (rank != null) of.add(Arrays.asList("rank", rank.toString()));
        comboScopes[c] = new int[of.size()];
        for (int k = 0; k < of.size(); k++) {
          List<String> scope = of.get(k);
          Integer id = scopeIds.get(scope);
          if (id == null) {
            id = scopes.size();
            scopeIds.put(scope, id);
            scopes.add(scope);
          }
          comboScopes[c][k] = id;
        }
      }
      // Per local name and value index: the global code of the value's rounded key (-1: no value).
      int[][] globalCode = new int[t.names.size()][];
      for (int i = 0; i < globalCode.length; i++) {
        int g = globalName[i];
        globalCode[i] = new int[t.valueCount[i]];
        globalCode[i][0] = -1;
        for (int v = 1; v < t.valueCount[i]; v++) {
          double key = LabelTally.roundHalfUp6(t.values[i][v]);
          long bits = Double.doubleToLongBits(key);
          Integer gc = codeOfKey.get(g).get(bits);
          if (gc == null) {
            gc = keyOfCode.get(g).size();
            codeOfKey.get(g).put(bits, gc);
            keyOfCode.get(g).add(key);
          }
          globalCode[i][v] = gc;
        }
      }
      for (int slot = 0; slot < t.slots; slot++) {
        int name = t.slotName[slot], v = t.slotValue[slot];
        int g = globalName[name];
        int code = globalCode[name][v];
        for (int scope : comboScopes[t.slotCombo[slot]]) {
          long key = ((long) scope << 40) | ((long) g << 24) | (code + 1);
          int row = rowOf.get(key);
          if (row < 0) {
            row = sums.add(scope, g, code);
            rowOf.put(key, row);
          }
          sums.merge(row, t, slot, v == 0 ? Double.NaN : t.values[name][v], v != 0);
        }
      }
    }
    List<Row> out = new ArrayList<>(sums.size);
    for (int r = 0; r < sums.size; r++) {
      List<String> scope = scopes.get(sums.scope[r]);
      boolean anyValue = sums.withValue[r] > 0;
      out.add(new GenericRowWithSchema(new Object[] {
        scope.get(0), scope.get(1), names.get(sums.name[r]),
        sums.code[r] < 0 ? null : keyOfCode.get(sums.name[r]).get(sums.code[r]),
        sums.messages[r], sums.withValue[r],
        sums.withReviews[r] == 0 ? null : sums.reviews[r],
        anyValue ? sums.s1[r] : null, anyValue ? sums.s2[r] : null,
        anyValue ? sums.vmin[r] : null, anyValue ? sums.vmax[r] : null
      }, FREQUENCY_SCHEMA));
    }
    return out;
  }

  /** The frequency rows' sums, one entry per (scope, name, key). */
  private static final class Sums {
    int size;
    int[] scope = new int[1024], name = new int[1024], code = new int[1024];
    long[] messages = new long[1024], withValue = new long[1024], reviews = new long[1024],
        withReviews = new long[1024];
    double[] s1 = new double[1024], s2 = new double[1024], vmin = new double[1024],
        vmax = new double[1024];

    int add(int scopeId, int nameId, int codeId) {
      if (size == scope.length) {
        int cap = size * 2;
        scope = Arrays.copyOf(scope, cap);
        name = Arrays.copyOf(name, cap);
        code = Arrays.copyOf(code, cap);
        messages = Arrays.copyOf(messages, cap);
        withValue = Arrays.copyOf(withValue, cap);
        reviews = Arrays.copyOf(reviews, cap);
        withReviews = Arrays.copyOf(withReviews, cap);
        s1 = Arrays.copyOf(s1, cap);
        s2 = Arrays.copyOf(s2, cap);
        vmin = Arrays.copyOf(vmin, cap);
        vmax = Arrays.copyOf(vmax, cap);
      }
      scope[size] = scopeId;
      name[size] = nameId;
      code[size] = codeId;
      return size++;
    }

    /**
     * Adds one slot: its messages, review counts and, if they carry one, their value (the exact sums
     * add the value once per distinct value, times its messages).
     */
    void merge(int r, LabelTally t, int slot, double value, boolean hasValue) {
      long m = t.slotCounts[3 * slot];
      messages[r] += m;
      reviews[r] += t.slotCounts[3 * slot + 1];
      withReviews[r] += t.slotCounts[3 * slot + 2];
      if (!hasValue) return;
      if (withValue[r] == 0) {
        vmin[r] = value;
        vmax[r] = value;
      } else {
        vmin[r] = Math.min(vmin[r], value);
        vmax[r] = Math.max(vmax[r], value);
      }
      withValue[r] += m;
      s1[r] += m * value;
      s2[r] += m * (value * value);
    }
  }

  /**
   * The correlation matrix rows of every pair of {@link #names}, all exact (no label rounded to the
   * coarse grid), as {@link LabelCorrelation#matrix} computes them; null if a partition gave the
   * joint tables up.
   */
  public List<Row> correlationRows() {
    if (!correlationComplete()) return null;
    int l = names.size();
    int pairCount = l * (l + 1) / 2;
    long[] n = new long[pairCount];
    double[][] sums = new double[pairCount][5];
    List<Map<Long, Map<Long, Long>>> tables = LabelCorrelation.emptyTables(pairCount);
    Map<String, Integer> nameIndex = new HashMap<>();
    for (int i = 0; i < l; i++) nameIndex.put(names.get(i), i);
    for (LabelTally t : parts) {
      int local = t.names.size();
      int[] global = new int[local];
      for (int i = 0; i < local; i++) global[i] = nameIndex.get(t.names.get(i));
      for (int i = 0; i < local; i++)
        for (int j = i; j < local; j++) {
          LabelTally.PairTally pair = i < t.pairs.length ? t.pairs[i][j] : null;
          if (pair == null) continue;
          // The pair's x is the label that sorts first, as in the Spark pass.
          boolean swap = global[i] > global[j];
          int p = LabelCorrelation.Accumulator.pairIndex(
              Math.min(global[i], global[j]), Math.max(global[i], global[j]), l);
          double[] s = sums[p];
          Map<Long, Map<Long, Long>> table = tables.get(p);
          for (int xi = 1; xi < pair.rows; xi++)
            for (int yi = 1; yi < pair.cols; yi++) {
              long count = pair.count(xi, yi);
              if (count == 0) continue;
              double x = t.values[i][xi], y = t.values[j][yi];
              if (swap) {
                double swapped = x;
                x = y;
                y = swapped;
              }
              n[p] += count;
              s[0] += count * x;
              s[1] += count * y;
              s[2] += count * (x * x);
              s[3] += count * (y * y);
              s[4] += count * (x * y);
              table.computeIfAbsent(exactKey(x), k -> new HashMap<>())
                  .merge(exactKey(y), count, Long::sum);
            }
        }
    }
    double[] step = new double[l];
    Arrays.fill(step, LabelCorrelation.EXACT_RESOLUTION);
    return LabelCorrelation.rows(names, n, sums, tables, step);
  }

  /** A value's key in the Spearman tables, as {@link LabelCorrelation} rounds exact values. */
  private static long exactKey(double value) {
    return Math.round(value / LabelCorrelation.EXACT_RESOLUTION);
  }
}
