package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The structure columns of every message worked out inside its claimed tree: one shuffle by
 * {@code message_tree_id}, then each tree walked in memory (a tree holds tens to a few hundred
 * messages). Where a message's parent chain stays inside its claimed tree and ends at a message
 * without parent, the answer is the one the forest-wide assembly gives, because message ids are
 * unique: the same chain (root, depth, path, nearest deleted ancestor), the same siblings and
 * children (they share the chain, so they share the tree), and the same parentless messages claiming
 * the tree id (all of them carry it, so all are here).
 *
 * <p>A message whose chain leaves its claimed tree (its parent is filed under another tree id, or
 * missing altogether), that has no tree id, or that runs into a cycle cannot be settled here: it comes
 * back with {@code settled = false}, and the caller then lets the forest-wide assembly decide. The
 * caller also checks that the ids are unique (a repeated id, in one tree or across two, makes the
 * answer here meaningless), since only all trees together can tell.
 */
final class PerTreeStructure {
  private PerTreeStructure() {}

  /** {@code message_id} and {@link TreeAssembly#STRUCTURE_COLUMNS} as the forest-wide assembly types them, plus {@code settled}. */
  static final StructType SCHEMA =
      new StructType()
          .add("message_id", StringType, false)
          .add("tree_id", StringType, true)
          .add("tree_id_recovered", BooleanType, true)
          .add("root_id", StringType, true)
          .add("depth", IntegerType, true)
          .add("path", createArrayType(StringType, false), true)
          .add("role_sequence", createArrayType(StringType, true), true)
          .add("sibling_position", IntegerType, false)
          .add("child_count", IntegerType, true)
          .add("is_leaf", BooleanType, false)
          .add("structure_status", StringType, false)
          .add("structurally_valid", BooleanType, false)
          .add("nearest_deleted_ancestor", StringType, true)
          .add("on_cycle", BooleanType, false)
          .add("cycle_id", StringType, true)
          .add("cycle_length", LongType, true)
          .add("settled", BooleanType, false);

  static Dataset<Row> structure(Dataset<Row> messages) {
    return messages
        .select(
            col("message_tree_id"),
            col("message_id"),
            col("parent_id"),
            col("role"),
            coalesce(col("deleted"), lit(false)),
            col("rank"),
            col("created_date"))
        .groupByKey((MapFunction<Row, String>) r -> r.getString(0), Encoders.STRING())
        .flatMapGroups(
            (FlatMapGroupsFunction<String, Row, Row>) (key, rows) -> walk(key, rows).iterator(),
            Encoders.row(SCHEMA));
  }

  private static final int UNSEEN = 0;
  private static final int ON_STACK = 1;
  private static final int SETTLED = 2;
  private static final int UNSETTLED = 3;

  /** The siblings' order of the trees export: rank (unranked last), then age (unknown last), then id. */
  private static final Comparator<Row> SIBLING_ORDER =
      Comparator.<Row, Integer>comparing(r -> r.isNullAt(5) ? null : r.getInt(5), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(r -> r.isNullAt(6) ? null : (Timestamp) r.get(6), Comparator.nullsLast(Comparator.naturalOrder()))
          // Spark orders strings by their UTF-8 bytes
          .thenComparing(r -> UTF8String.fromString(r.getString(1)));

  /** One claimed tree: rows of (tree id, id, parent_id, role, deleted, rank, created_date). */
  static List<Row> walk(String treeKey, Iterator<Row> input) {
    List<Row> rows = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    int parentless = 0;
    while (input.hasNext()) {
      Row r = input.next();
      index.put(r.getString(1), rows.size());
      if (r.isNullAt(2)) parentless++;
      rows.add(r);
    }
    int n = rows.size();
    int[] state = new int[n];
    // without a tree id, nothing here can be trusted to be the whole chain
    if (treeKey == null) Arrays.fill(state, UNSETTLED);
    String[] root = new String[n];
    int[] depth = new int[n];
    String[][] path = new String[n][];
    String[][] roles = new String[n][];
    String[] nearestDeleted = new String[n];
    int[] chain = new int[n];
    for (int start = 0; start < n; start++) {
      if (state[start] != UNSEEN) continue;
      // climb until a message whose answer is known, a root, or the edge of the tree
      int len = 0;
      int at = start;
      boolean settles = true;
      while (true) {
        state[at] = ON_STACK;
        chain[len++] = at;
        String parent = rows.get(at).getString(2);
        if (parent == null) break;
        Integer p = index.get(parent);
        // the parent is elsewhere or nowhere (the forest-wide assembly decides), or the climb came
        // back to itself (a cycle), or it reached a message that could not be settled
        if (p == null || state[p] == ON_STACK || state[p] == UNSETTLED) {
          settles = false;
          break;
        }
        if (state[p] == SETTLED) break;
        at = p;
      }
      // settle the chain top-down
      for (int k = len - 1; k >= 0; k--) {
        int m = chain[k];
        if (!settles) {
          state[m] = UNSETTLED;
          continue;
        }
        Row r = rows.get(m);
        String parent = r.getString(2);
        if (parent == null) {
          root[m] = r.getString(1);
          path[m] = new String[] {r.getString(1)};
          roles[m] = new String[] {r.getString(3)};
        } else {
          int p = index.get(parent);
          root[m] = root[p];
          depth[m] = depth[p] + 1;
          path[m] = append(path[p], r.getString(1));
          roles[m] = append(roles[p], r.getString(3));
          nearestDeleted[m] = rows.get(p).getBoolean(4) ? parent : nearestDeleted[p];
        }
        state[m] = SETTLED;
      }
    }

    // children, and each message's position among its siblings
    Map<String, List<Integer>> childrenOf = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String parent = rows.get(i).getString(2);
      if (parent != null) childrenOf.computeIfAbsent(parent, p -> new ArrayList<>()).add(i);
    }
    int[] siblingPosition = new int[n];
    for (List<Integer> siblings : childrenOf.values()) {
      siblings.sort((a, b) -> SIBLING_ORDER.compare(rows.get(a), rows.get(b)));
      for (int k = 0; k < siblings.size(); k++) siblingPosition[siblings.get(k)] = k;
    }

    // a tree id claimed by several parentless messages puts every message filed under it in doubt
    String status = parentless > 1 ? TreeAssembly.MULTIPLE_ROOTS : TreeAssembly.OK;
    List<Row> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      boolean settled = state[i] == SETTLED;
      List<Integer> children = childrenOf.get(r.getString(1));
      out.add(
          RowFactory.create(
              r.getString(1),
              root[i],
              settled ? !treeKey.equals(root[i]) : null,
              root[i],
              settled ? depth[i] : null,
              settled ? scala.Predef.wrapRefArray(path[i]) : null,
              settled ? scala.Predef.wrapRefArray(roles[i]) : null,
              siblingPosition[i],
              children == null ? 0 : children.size(),
              children == null,
              status,
              status.equals(TreeAssembly.OK),
              nearestDeleted[i],
              false,
              null,
              null,
              settled));
    }
    return out;
  }

  private static String[] append(String[] prefix, String last) {
    String[] out = Arrays.copyOf(prefix, prefix.length + 1);
    out[prefix.length] = last;
    return out;
  }
}
