package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.oasst.pipeline.core.graph.GroupWalk;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The structure columns of every message worked out inside its claimed tree: one shuffle by
 * {@code message_tree_id}, then each tree walked in memory (a tree holds tens to a few hundred
 * messages). Where a message's parent chain stays inside its claimed tree and ends at a message
 * without parent, the answer is the one the forest-wide assembly gives, because message ids are
 * unique: the same chain (root, depth, path, nearest deleted ancestor), the same siblings and
 * children (they share the chain, so they share the tree), and the same parentless messages claiming
 * the tree id (all of them carry it, so all are here).
 *
 * <p>Each row also carries what the tree summary and the integrity checks read, so that neither needs
 * the messages joined back: the message's own columns, its parent's role and creation time, for a
 * parentless message the number of parentless messages claiming its tree id, and for a message with
 * ranked assistant replies the summary of their ranks ({@link IntegrityChecks#findingsWithinTrees}).
 *
 * <p>A message whose chain leaves its claimed tree (its parent is filed under another tree id, or
 * missing altogether), that has no tree id, or that runs into a cycle cannot be settled here: it comes
 * back with {@code settled = false}, and the caller then lets the forest-wide assembly decide. The
 * caller also checks that the ids are unique (a repeated id, in one tree or across two, makes the
 * answer here meaningless), since only all trees together can tell.
 */
final class PerTreeStructure {
  private PerTreeStructure() {}

  /**
   * {@code message_id} and {@link TreeAssembly#STRUCTURE_COLUMNS} as the forest-wide assembly types
   * them, {@code settled}, then the columns the tree summary and the integrity checks read.
   */
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
          .add("settled", BooleanType, false)
          // the message's own columns (deleted as false when unknown)
          .add("message_tree_id", StringType, true)
          .add("parent_id", StringType, true)
          .add("role", StringType, true)
          .add("deleted", BooleanType, false)
          .add("rank", IntegerType, true)
          .add("created_date", TimestampType, true)
          .add("review_count", IntegerType, true)
          .add("review_result", BooleanType, true)
          .add("spam_mean", DoubleType, true)
          .add("lang_mismatch_mean", DoubleType, true)
          .add("tree_state", StringType, true)
          .add("lang", StringType, true)
          .add("synthetic", BooleanType, true)
          // the parent's
          .add("p_role", StringType, true)
          .add("p_created_date", TimestampType, true)
          // parentless messages claiming this one's tree id (set on parentless messages only)
          .add("n_roots", LongType, true)
          // this message's ranked assistant replies (set only where there are some)
          .add("n_ranked", LongType, true)
          .add("n_distinct_ranks", LongType, true)
          .add("lowest_rank", IntegerType, true)
          .add("highest_rank", IntegerType, true)
          .add("ranks", StringType, true);

  // positions in the walk's input rows
  private static final int TREE = 0;
  private static final int ID = 1;
  private static final int PARENT = 2;
  private static final int ROLE = 3;
  private static final int DELETED = 4;
  private static final int RANK = 5;
  private static final int CREATED = 6;
  private static final int PASSED_THROUGH_FROM = 7;
  /** The passed-through columns, {@code review_count} to {@code synthetic}, come after those. */
  private static final int INPUT_WIDTH =
      PASSED_THROUGH_FROM + SCHEMA.fieldIndex("synthetic") - SCHEMA.fieldIndex("review_count") + 1;
  private static final UTF8String ASSISTANT = UTF8String.fromString(Tables.ASSISTANT);

  /**
   * The walk's input: the tree key, what the walk itself reads, then the columns that are only passed
   * through to the output (in {@link #SCHEMA}'s order, from {@code review_count} to {@code synthetic}).
   */
  private static Column[] input() {
    return new Column[] {
      col("message_tree_id"),
      col("message_id"),
      col("parent_id"),
      col("role"),
      coalesce(col("deleted"), lit(false)),
      col("rank"),
      col("created_date"),
      col("review_count"),
      col("review_result"),
      col("labels").getItem("spam").getField("value"),
      col("labels").getItem("lang_mismatch").getField("value"),
      col("tree_state"),
      col("lang"),
      col("synthetic")
    };
  }

  /**
   * One shuffle by claimed tree id, then each tree walked on Spark's internal rows
   * ({@link GroupWalk}).
   */
  static Dataset<Row> structure(Dataset<Row> messages) {
    return GroupWalk.run(messages.select(input()), "message_tree_id", SCHEMA, PerTreeStructure::walk);
  }

  private static final int UNSEEN = 0;
  private static final int ON_STACK = 1;
  private static final int SETTLED = 2;
  private static final int UNSETTLED = 3;

  /** The siblings' order of the trees export: rank (unranked last), then age (unknown last), then id. */
  private static final Comparator<InternalRow> SIBLING_ORDER =
      Comparator.<InternalRow, Integer>comparing(r -> r.isNullAt(RANK) ? null : r.getInt(RANK), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(r -> r.isNullAt(CREATED) ? null : r.getLong(CREATED), Comparator.nullsLast(Comparator.naturalOrder()))
          // as Spark orders strings: by their UTF-8 bytes
          .thenComparing(r -> r.getUTF8String(ID));

  /** One claimed tree: rows of {@link #input()}, as rows of {@link #SCHEMA}. */
  static List<InternalRow> walk(UTF8String treeKey, List<InternalRow> rows) {
    Map<UTF8String, Integer> index = new HashMap<>();
    int parentless = 0;
    int n = rows.size();
    for (int i = 0; i < n; i++) {
      InternalRow r = rows.get(i);
      index.put(r.getUTF8String(ID), i);
      if (r.isNullAt(PARENT)) parentless++;
    }
    int[] state = new int[n];
    // without a tree id, nothing here can be trusted to be the whole chain
    if (treeKey == null) Arrays.fill(state, UNSETTLED);
    UTF8String[] root = new UTF8String[n];
    int[] depth = new int[n];
    UTF8String[][] path = new UTF8String[n][];
    UTF8String[][] roles = new UTF8String[n][];
    UTF8String[] nearestDeleted = new UTF8String[n];
    int[] parentAt = new int[n];
    Arrays.fill(parentAt, -1);
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
        InternalRow r = rows.get(at);
        if (r.isNullAt(PARENT)) break;
        Integer p = index.get(r.getUTF8String(PARENT));
        // the parent is elsewhere or nowhere (the forest-wide assembly decides), or the climb came
        // back to itself (a cycle), or it reached a message that could not be settled
        if (p == null || state[p] == ON_STACK || state[p] == UNSETTLED) {
          settles = false;
          break;
        }
        parentAt[at] = p;
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
        InternalRow r = rows.get(m);
        if (r.isNullAt(PARENT)) {
          root[m] = r.getUTF8String(ID);
          path[m] = new UTF8String[] {r.getUTF8String(ID)};
          roles[m] = new UTF8String[] {role(r)};
        } else {
          int p = parentAt[m];
          root[m] = root[p];
          depth[m] = depth[p] + 1;
          path[m] = append(path[p], r.getUTF8String(ID));
          roles[m] = append(roles[p], role(r));
          nearestDeleted[m] = rows.get(p).getBoolean(DELETED) ? r.getUTF8String(PARENT) : nearestDeleted[p];
        }
        state[m] = SETTLED;
      }
    }

    // children, and each message's position among its siblings
    Map<UTF8String, List<Integer>> childrenOf = new HashMap<>();
    for (int i = 0; i < n; i++) {
      InternalRow r = rows.get(i);
      if (!r.isNullAt(PARENT)) childrenOf.computeIfAbsent(r.getUTF8String(PARENT), p -> new ArrayList<>()).add(i);
    }
    int[] siblingPosition = new int[n];
    for (List<Integer> siblings : childrenOf.values()) {
      siblings.sort((x, y) -> SIBLING_ORDER.compare(rows.get(x), rows.get(y)));
      for (int k = 0; k < siblings.size(); k++) siblingPosition[siblings.get(k)] = k;
    }

    // a tree id claimed by several parentless messages puts every message filed under it in doubt
    UTF8String status = UTF8String.fromString(parentless > 1 ? TreeAssembly.MULTIPLE_ROOTS : TreeAssembly.OK);
    boolean statusOk = parentless <= 1;
    List<InternalRow> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Object[] values = new Object[SCHEMA.size()];
      InternalRow r = rows.get(i);
      boolean settled = state[i] == SETTLED;
      List<Integer> children = childrenOf.get(r.getUTF8String(ID));
      // known for every settled message (its climb passed it); the others' rows are not used
      InternalRow parent = parentAt[i] < 0 ? null : rows.get(parentAt[i]);
      int v = 0;
      values[v++] = r.getUTF8String(ID);
      values[v++] = root[i];
      values[v++] = settled ? !treeKey.equals(root[i]) : null;
      values[v++] = root[i];
      values[v++] = settled ? depth[i] : null;
      values[v++] = settled ? new GenericArrayData(path[i]) : null;
      values[v++] = settled ? new GenericArrayData(roles[i]) : null;
      values[v++] = siblingPosition[i];
      values[v++] = children == null ? 0 : children.size();
      values[v++] = children == null;
      values[v++] = status;
      values[v++] = statusOk;
      values[v++] = nearestDeleted[i];
      values[v++] = false;
      values[v++] = null;
      values[v++] = null;
      values[v++] = settled;
      values[v++] = treeKey;
      values[v++] = r.isNullAt(PARENT) ? null : r.getUTF8String(PARENT);
      values[v++] = role(r);
      values[v++] = r.getBoolean(DELETED);
      values[v++] = r.isNullAt(RANK) ? null : r.getInt(RANK);
      values[v++] = r.isNullAt(CREATED) ? null : r.getLong(CREATED);
      for (int k = PASSED_THROUGH_FROM; k < INPUT_WIDTH; k++, v++) {
        values[v] = r.isNullAt(k) ? null : r.get(k, SCHEMA.fields()[v].dataType());
      }
      values[v++] = parent == null ? null : role(parent);
      values[v++] = parent == null || parent.isNullAt(CREATED) ? null : parent.getLong(CREATED);
      values[v++] = r.isNullAt(PARENT) ? (Long) (long) parentless : null;
      v = rankSummary(rows, children, values, v);
      out.add(new GenericInternalRow(values));
    }
    return out;
  }

  private static UTF8String role(InternalRow r) {
    return r.isNullAt(ROLE) ? null : r.getUTF8String(ROLE);
  }

  /**
   * The ranks of a message's ranked assistant replies as the rank checks read them: count, distinct
   * count, lowest, highest, and the sorted ranks as text ("0, 1, 1"); all null without such replies.
   */
  private static int rankSummary(List<InternalRow> rows, List<Integer> children, Object[] values, int v) {
    int[] ranks = new int[children == null ? 0 : children.size()];
    int n = 0;
    if (children != null) {
      for (int c : children) {
        InternalRow child = rows.get(c);
        if (!child.isNullAt(RANK) && ASSISTANT.equals(role(child))) ranks[n++] = child.getInt(RANK);
      }
    }
    if (n == 0) {
      for (int k = 0; k < 5; k++) values[v++] = null;
      return v;
    }
    ranks = Arrays.copyOf(ranks, n);
    Arrays.sort(ranks);
    long distinct = 1;
    StringBuilder text = new StringBuilder().append(ranks[0]);
    for (int k = 1; k < n; k++) {
      if (ranks[k] != ranks[k - 1]) distinct++;
      text.append(", ").append(ranks[k]);
    }
    values[v++] = (long) n;
    values[v++] = distinct;
    values[v++] = ranks[0];
    values[v++] = ranks[n - 1];
    values[v++] = UTF8String.fromString(text.toString());
    return v;
  }

  private static UTF8String[] append(UTF8String[] prefix, UTF8String last) {
    UTF8String[] out = Arrays.copyOf(prefix, prefix.length + 1);
    out[prefix.length] = last;
    return out;
  }
}
