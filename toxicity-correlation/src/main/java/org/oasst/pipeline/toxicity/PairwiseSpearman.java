package org.oasst.pipeline.toxicity;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Exact pairwise-complete Spearman sums for every (label, Detoxify category) cell and scope, without
 * ranking every cell separately.
 *
 * <p>Why this is exact and cheap: a label is the mean of a few reviewers' votes, so within a cell it
 * takes few distinct values; its mid-rank among the cell's complete rows is a function of the value
 * alone and follows from a frequency table (count per distinct value). The tables are counted per
 * label and per Detoxify missing pattern (which categories a row has), so one small table serves
 * every category sharing the pattern. The Detoxify side is continuous: its rows are sorted once per
 * (scope, category) in one distributed sort, and a sweep in that order keeps, per label, the number
 * of earlier rows where the label is present. That count is the category's rank among exactly the
 * rows of that cell, so a row missing a label is skipped for that label only, and no per-pair sort
 * is needed whatever the missing patterns are. Ties of equal scores share the mean rank; the range
 * partitioner sends equal keys to one partition, so a tie group is never split.
 *
 * <p>Ranks are centered on the cell's mean rank (n+1)/2 so that sums of squares stay small.
 */
final class PairwiseSpearman {
  private PairwiseSpearman() {}

  /** One row of a scope: the label means (NaN = missing) and Detoxify scores (NaN = missing). */
  record ScopedRow(String scope, double[] x, double[] y) implements Serializable {}

  /** Counts per distinct label value, keyed by scope, label index and Detoxify presence mask. */
  static final class FrequencyTables implements Serializable {
    final Map<String, Map<Integer, HashMap<Double, Long>>> byScope = new HashMap<>();
    long entries;

    void add(String scope, int label, int mask, double value) {
      HashMap<Double, Long> t =
          byScope.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(label * 1024 + mask, k -> new HashMap<>());
      Long prev = t.put(value, 1L);
      if (prev == null) entries++;
      else t.put(value, prev + 1);
    }

    FrequencyTables merge(FrequencyTables o) {
      o.byScope.forEach(
          (scope, tables) ->
              tables.forEach(
                  (key, t) ->
                      t.forEach(
                          (v, c) -> {
                            HashMap<Double, Long> mine =
                                byScope.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(key, k -> new HashMap<>());
                            Long prev = mine.put(v, c);
                            if (prev == null) entries++;
                            else mine.put(v, prev + c);
                          })));
      return this;
    }
  }

  /** -0.0 and 0.0 are one value for ranking (as for ==); hashing would tell them apart. */
  static double canonical(double v) {
    return v == 0.0 ? 0.0 : v;
  }

  /** Bit mask of the Detoxify categories present in a row (at most 10 categories). */
  static int presenceMask(double[] y) {
    int m = 0;
    for (int j = 0; j < y.length; j++) if (!Double.isNaN(y[j])) m |= 1 << j;
    return m;
  }

  /**
   * Centered mid-rank of each label value per (scope, label, category): the table of category j is
   * the sum of the tables of the masks containing j. Returns scope -> [label][category] -> value ->
   * rank, and fills {@code n} (scope -> [label][category] complete count).
   */
  static Map<String, HashMap<Double, Double>[][]> labelRanks(
      FrequencyTables f, int nl, int nd, Map<String, long[][]> n) {
    Map<String, HashMap<Double, Double>[][]> out = new HashMap<>();
    f.byScope.forEach(
        (scope, tables) -> {
          @SuppressWarnings("unchecked")
          HashMap<Double, Double>[][] ranks = new HashMap[nl][nd];
          long[][] counts = new long[nl][nd];
          for (int i = 0; i < nl; i++)
            for (int j = 0; j < nd; j++) {
              TreeMap<Double, Long> merged = new TreeMap<>();
              for (Map.Entry<Integer, HashMap<Double, Long>> e : tables.entrySet()) {
                if (e.getKey() / 1024 != i || (e.getKey() % 1024 & (1 << j)) == 0) continue;
                e.getValue().forEach((v, c) -> merged.merge(v, c, Long::sum));
              }
              long total = merged.values().stream().mapToLong(Long::longValue).sum();
              HashMap<Double, Double> r = new HashMap<>();
              long below = 0;
              for (Map.Entry<Double, Long> e : merged.entrySet()) {
                r.put(e.getKey(), below + (e.getValue() + 1) / 2.0 - (total + 1) / 2.0);
                below += e.getValue();
              }
              ranks[i][j] = r;
              counts[i][j] = total;
            }
          out.put(scope, ranks);
          n.put(scope, counts);
        });
    return out;
  }

  /** Sort key of the Detoxify sweep: scope, category, score. */
  record Key(String scope, int cat, double y) implements Serializable {}

  static final class KeyOrder implements Comparator<Key>, Serializable {
    @Override
    public int compare(Key a, Key b) {
      int c = a.scope.compareTo(b.scope);
      if (c != 0) return c;
      c = Integer.compare(a.cat, b.cat);
      return c != 0 ? c : Double.compare(a.y, b.y);
    }
  }

  /** Slots per cell of the sweep's sums. */
  static final int RY = 0, RYY = 1, RXY = 2, SLOTS = 3;

  /**
   * The Detoxify-side sums per scope: for cell (i, j) at offset (i * nd + j) * SLOTS, the sums of the
   * centered category rank, its square and its product with the label's centered rank.
   */
  static Map<String, double[]> detoxifySums(
      JavaRDD<ScopedRow> rows, int nl, int nd, Map<String, HashMap<Double, Double>[][]> labelRanks,
      Map<String, long[][]> n, int partitions) {
    JavaPairRDD<Key, double[]> melted =
        rows.flatMapToPair(
            r -> {
              List<Tuple2<Key, double[]>> out = new ArrayList<>(nd);
              for (int j = 0; j < nd; j++)
                if (!Double.isNaN(r.y()[j])) out.add(new Tuple2<>(new Key(r.scope(), j, canonical(r.y()[j])), r.x()));
              return out.iterator();
            });
    JavaPairRDD<Key, double[]> sorted =
        melted.sortByKey(new KeyOrder(), true, partitions).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // Per partition and (scope, category): how many rows have each label; the offsets of later
      // partitions (the range partitioner keeps the key order across partition ids).
      List<Tuple2<Integer, Map<Key, long[]>>> perPartition =
          sorted
              .mapPartitionsWithIndex(
                  (pid, it) -> {
                    Map<Key, long[]> c = new HashMap<>();
                    while (it.hasNext()) {
                      Tuple2<Key, double[]> t = it.next();
                      long[] a = c.computeIfAbsent(new Key(t._1().scope(), t._1().cat(), 0), k -> new long[nl]);
                      for (int i = 0; i < nl; i++) if (!Double.isNaN(t._2()[i])) a[i]++;
                    }
                    return List.of(new Tuple2<>(pid, c)).iterator();
                  },
                  true)
              .collect();
      Map<Integer, Map<Key, long[]>> offsets = new HashMap<>();
      Map<Key, long[]> running = new HashMap<>();
      List<Tuple2<Integer, Map<Key, long[]>>> ordered = new ArrayList<>(perPartition);
      ordered.sort(Comparator.comparing(Tuple2::_1));
      for (Tuple2<Integer, Map<Key, long[]>> p : ordered) {
        Map<Key, long[]> here = new HashMap<>();
        p._2().forEach(
            (k, c) -> {
              long[] r = running.computeIfAbsent(k, x -> new long[nl]);
              here.put(k, r.clone());
              for (int i = 0; i < nl; i++) r[i] += c[i];
            });
        offsets.put(p._1(), here);
      }

      Broadcast<Map<String, HashMap<Double, Double>[][]>> ranksB =
          org.apache.spark.api.java.JavaSparkContext.fromSparkContext(rows.context()).broadcast(labelRanks);
      Broadcast<Map<String, long[][]>> nB =
          org.apache.spark.api.java.JavaSparkContext.fromSparkContext(rows.context()).broadcast(n);
      Broadcast<Map<Integer, Map<Key, long[]>>> offB =
          org.apache.spark.api.java.JavaSparkContext.fromSparkContext(rows.context()).broadcast(offsets);

      Map<String, double[]> sums =
          sorted
              .mapPartitionsWithIndex(
                  (pid, it) -> {
                    Map<String, double[]> acc = new HashMap<>();
                    Map<Key, long[]> off = offB.value().getOrDefault(pid, Map.of());
                    List<double[]> group = new ArrayList<>();
                    Key groupKey = null;
                    Key run = null;
                    long[] less = null;
                    Tuple2<Key, double[]> next = it.hasNext() ? it.next() : null;
                    while (next != null || groupKey != null) {
                      boolean sameGroup =
                          next != null && groupKey != null && next._1().scope().equals(groupKey.scope())
                              && next._1().cat() == groupKey.cat() && next._1().y() == groupKey.y();
                      if (next != null && (groupKey == null || sameGroup)) {
                        groupKey = next._1();
                        group.add(next._2());
                        next = it.hasNext() ? it.next() : null;
                        continue;
                      }
                      // Close the tie group of groupKey.
                      Key runKey = new Key(groupKey.scope(), groupKey.cat(), 0);
                      if (!runKey.equals(run)) {
                        run = runKey;
                        less = off.getOrDefault(runKey, new long[nl]).clone();
                      }
                      int j = groupKey.cat();
                      HashMap<Double, Double>[][] xr = ranksB.value().get(groupKey.scope());
                      long[][] cnt = nB.value().get(groupKey.scope());
                      double[] a = acc.computeIfAbsent(groupKey.scope(), s -> new double[nl * nd * SLOTS]);
                      for (int i = 0; i < nl; i++) {
                        long eq = 0;
                        double sumRx = 0;
                        for (double[] x : group) {
                          if (Double.isNaN(x[i])) continue;
                          eq++;
                          sumRx += xr[i][j].get(canonical(x[i]));
                        }
                        if (eq == 0) continue;
                        double ry = less[i] + (eq + 1) / 2.0 - (cnt[i][j] + 1) / 2.0;
                        int b = (i * nd + j) * SLOTS;
                        a[b + RY] += eq * ry;
                        a[b + RYY] += eq * ry * ry;
                        a[b + RXY] += ry * sumRx;
                        less[i] += eq;
                      }
                      group.clear();
                      groupKey = null;
                    }
                    List<Tuple2<String, double[]>> out = new ArrayList<>();
                    acc.forEach((k, v) -> out.add(new Tuple2<>(k, v)));
                    return out.iterator();
                  },
                  true)
              .mapToPair(t -> t)
              .reduceByKey(
                  (p, q) -> {
                    double[] s = new double[p.length];
                    for (int k = 0; k < s.length; k++) s[k] = p[k] + q[k];
                    return s;
                  })
              .collectAsMap();
      ranksB.destroy();
      nB.destroy();
      offB.destroy();
      return new HashMap<>(sums);
    } finally {
      sorted.unpersist(false);
    }
  }
}
