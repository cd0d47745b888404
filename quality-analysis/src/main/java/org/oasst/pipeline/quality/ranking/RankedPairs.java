package org.oasst.pipeline.quality.ranking;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Ranked pairs (Tideman) merge of several reviewers' rankings of one parent's replies, exactly as
 * reference section 4.4 describes the platform's behaviour (including its tie-breaking by the
 * smaller id, compared as plain strings).
 */
public final class RankedPairs {
  private RankedPairs() {}

  /**
   * Merges rankings (each a list of ids, best first) into one consensus order, best first. Ids that
   * are not in every ranking are dropped; fewer than two common ids give an empty list (the parent
   * gets no ranks).
   */
  public static List<String> merge(List<List<String>> rankings) {
    Objects.requireNonNull(rankings, "rankings");
    if (rankings.isEmpty()) return List.of();
    for (List<String> ranking : rankings) {
      Objects.requireNonNull(ranking, "a ranking is null");
      if (new HashSet<>(ranking).size() != ranking.size())
        throw new IllegalArgumentException("a ranking names the same id twice: " + ranking);
      for (String id : ranking) Objects.requireNonNull(id, "a ranking contains a null id");
    }

    Set<String> common = new HashSet<>(rankings.get(0));
    for (List<String> ranking : rankings) common.retainAll(new HashSet<>(ranking));
    if (common.size() < 2) return List.of();

    // Platform order: ids sorted as plain strings, so ties go to the smaller id.
    List<String> items = new ArrayList<>(new TreeSet<>(common));
    int n = items.size();
    int[][] wins = new int[n][n];
    for (List<String> ranking : rankings) {
      List<Integer> order = new ArrayList<>();
      for (String id : ranking) if (common.contains(id)) order.add(Collections.binarySearch(items, id));
      for (int a = 0; a < order.size(); a++)
        for (int b = a + 1; b < order.size(); b++) wins[order.get(a)][order.get(b)]++;
    }

    List<int[]> candidates = new ArrayList<>(); // {i, j, margin}
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        if (i == j) continue;
        int margin = wins[i][j] - wins[j][i];
        if (margin >= 0) candidates.add(new int[] {i, j, margin});
      }
    // List.sort is stable: equal margins keep the i-major, then j order.
    candidates.sort(Comparator.comparingInt((int[] c) -> c[2]).reversed());

    boolean[][] locked = new boolean[n][n];
    for (int[] c : candidates) {
      if (!reachable(locked, c[1], c[0])) locked[c[0]][c[1]] = true;
    }

    List<String> result = new ArrayList<>(n);
    boolean[] removed = new boolean[n];
    for (int step = 0; step < n; step++) {
      int next = -1;
      for (int v = 0; v < n && next < 0; v++) {
        if (removed[v]) continue;
        boolean hasIncoming = false;
        for (int u = 0; u < n; u++) if (!removed[u] && locked[u][v]) hasIncoming = true;
        if (!hasIncoming) next = v;
      }
      // The locked graph is acyclic by construction, so a source always exists.
      removed[next] = true;
      result.add(items.get(next));
    }
    return result;
  }

  /** Whether {@code to} can be reached from {@code from} over locked edges. */
  private static boolean reachable(boolean[][] locked, int from, int to) {
    int n = locked.length;
    boolean[] seen = new boolean[n];
    List<Integer> stack = new ArrayList<>();
    stack.add(from);
    seen[from] = true;
    while (!stack.isEmpty()) {
      int v = stack.remove(stack.size() - 1);
      if (v == to) return true;
      for (int w = 0; w < n; w++)
        if (locked[v][w] && !seen[w]) {
          seen[w] = true;
          stack.add(w);
        }
    }
    return false;
  }
}
