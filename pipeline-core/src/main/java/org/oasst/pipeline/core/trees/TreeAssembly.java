package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.oasst.pipeline.core.graph.Ancestry;
import org.oasst.pipeline.core.graph.AncestryOptions;
import org.oasst.pipeline.core.graph.Checkpoints;
import org.oasst.pipeline.core.graph.GraphLayer;

/**
 * Reassembles conversation trees from the parent pointers of the {@code messages} table.
 *
 * <p>The tree a message belongs to is taken from its parent chain, not trusted from
 * {@code message_tree_id}: where the two disagree, or the id is missing, the chain wins and the
 * message is marked {@code tree_id_recovered}. Messages whose chain has no proper root (orphaned
 * subtrees, cycles) or whose tree id is claimed by several roots are kept, but flagged
 * {@code structurally_valid = false} so that thread-based consumers leave them out.
 */
public final class TreeAssembly {
  private TreeAssembly() {}

  public static final String OK = "ok";
  public static final String ORPHANED = "orphaned";
  public static final String CYCLE = "cycle";
  public static final String MULTIPLE_ROOTS = "multiple_roots";

  /** The structure columns {@link #annotate} adds to every message, in order. */
  public static final List<String> STRUCTURE_COLUMNS =
      List.of(
          "tree_id",
          "tree_id_recovered",
          "root_id",
          "depth",
          "path",
          "role_sequence",
          "sibling_position",
          "child_count",
          "is_leaf",
          "structure_status",
          "structurally_valid",
          "nearest_deleted_ancestor",
          "on_cycle",
          "cycle_id",
          "cycle_length");

  /**
   * @param annotated the messages with {@link #STRUCTURE_COLUMNS} appended
   * @param structure {@code message_id} plus {@link #STRUCTURE_COLUMNS} only (materialized)
   * @param walked when every parent chain stayed inside its claimed tree, so that each tree was
   *     assembled on its own and no pointer jumping ran ({@link #perTree}), the rows of that assembly
   *     ({@link PerTreeStructure#SCHEMA}: the structure columns plus what the tree summary and the
   *     integrity checks read; materialized); otherwise null
   * @param rounds pointer-jumping rounds over all messages (0 when assembled per tree)
   * @param cycleRounds extra rounds spent resolving cycles (0 without cycles)
   */
  public record Assembly(
      Dataset<Row> annotated,
      Dataset<Row> structure,
      Dataset<Row> walked,
      int rounds,
      int cycleRounds) {

    /** Each tree was assembled on its own. */
    public boolean perTree() {
      return walked != null;
    }

    /** The {@code trees} table ({@link TreeSummary}), from the walked rows when there are some. */
    public Dataset<Row> trees() {
      return TreeSummary.trees(perTree() ? walked : annotated);
    }

    /** The integrity findings ({@link IntegrityChecks}), from the walked rows when there are some. */
    public Dataset<Row> findings(IntegrityChecks.Options options) {
      return perTree()
          ? IntegrityChecks.findingsWithinTrees(walked, options)
          : IntegrityChecks.findings(annotated, options);
    }
  }

  /** The messages table with the structure columns appended. */
  public static Dataset<Row> annotate(Dataset<Row> messages) {
    return assemble(messages, GraphLayer.spark()).annotated();
  }

  public static Assembly assemble(Dataset<Row> messages, GraphLayer graph) {
    // Usually every parent chain stays inside its claimed tree: then each tree is assembled on its own,
    // after one shuffle. Otherwise (orphans, cycles, chains across tree ids, missing tree ids) the
    // forest-wide assembly decides everything, as it alone can.
    Dataset<Row> perTree = PerTreeStructure.structure(messages).localCheckpoint(true);
    // A repeated message id (in one tree, or under two tree ids, where each tree alone looks fine)
    // makes the per-tree answer meaningless; the forest-wide assembly rejects it with a clear error.
    Row check =
        perTree
            .agg(
                count(when(not(col("settled")), lit(1))).as("unsettled"),
                count(lit(1)).as("rows"),
                countDistinct(col("message_id")).as("ids"))
            .first();
    if (check.getLong(0) == 0 && check.getLong(1) == check.getLong(2)) {
      Dataset<Row> structure = perTree.select("message_id", STRUCTURE_COLUMNS.toArray(String[]::new));
      return new Assembly(messages.join(structure, "message_id"), structure, perTree, 0, 0);
    }
    Checkpoints.release(perTree);
    return forestAssembly(messages, graph);
  }

  /** The assembly by pointer jumping over the whole forest: right for any input. */
  static Assembly forestAssembly(Dataset<Row> messages, GraphLayer graph) {
    Dataset<Row> nodes =
        messages.select(
            col("message_id").as("id"),
            col("parent_id"),
            col("role"),
            coalesce(col("deleted"), lit(false)).as("deleted_mark"));
    Ancestry ancestry = graph.ancestry(nodes, AncestryOptions.withPaths(List.of("role"), "deleted_mark"));
    Dataset<Row> a = ancestry.nodes();

    // What a message's own row and its siblings give (position among siblings, number of children)
    // is computed on narrow rows first, so that the wide ancestry rows (with their paths) are
    // shuffled for one join only.
    Dataset<Row> children =
        messages
            .filter(col("parent_id").isNotNull())
            .groupBy(col("parent_id").as("c_parent"))
            .agg(count(lit(1)).as("n_children"));
    // siblings in the order the trees export writes replies: by rank (unranked last), then age
    Column siblingPosition =
        row_number()
            .over(
                // roots form one-row partitions of their own, apart from their children
                Window.partitionBy(col("parent_id").isNull(), coalesce(col("parent_id"), col("message_id")))
                    .orderBy(
                        col("rank").asc_nulls_last(),
                        col("created_date").asc_nulls_last(),
                        col("message_id")))
            .minus(1);
    Dataset<Row> local =
        messages
            .select("message_id", "parent_id", "message_tree_id", "rank", "created_date")
            .withColumn("sibling_position", siblingPosition)
            .join(children, col("message_id").equalTo(col("c_parent")), "left")
            .select("message_id", "message_tree_id", "sibling_position", "n_children");
    Dataset<Row> base = local.join(a, col("message_id").equalTo(col("id"))).drop("id");

    // tree ids claimed by more than one parentless message
    Dataset<Row> claims =
        messages
            .filter(col("parent_id").isNull().and(col("message_tree_id").isNotNull()))
            .groupBy(col("message_tree_id").as("claim"))
            .agg(count(lit(1)).as("claiming_roots"))
            .filter(col("claiming_roots").gt(1))
            .select("claim");
    // every root whose tree holds a message that carries such a tree id
    Dataset<Row> badRoots =
        base.join(claims, col("message_tree_id").equalTo(col("claim")))
            .filter(col("root_id").isNotNull())
            .select(col("root_id").as("bad_root"))
            .distinct();

    Column inMultiRoot = col("claim").isNotNull().or(col("bad_root").isNotNull());
    Column status =
        when(col("status").equalTo(Ancestry.CYCLE), lit(CYCLE))
            .when(col("status").equalTo(Ancestry.ORPHAN), lit(ORPHANED))
            .when(inMultiRoot, lit(MULTIPLE_ROOTS))
            .otherwise(lit(OK));
    Column treeId =
        when(col("status").equalTo(Ancestry.ROOTED), col("root_id"))
            .when(col("status").equalTo(Ancestry.ORPHAN), coalesce(col("message_tree_id"), col("root_id")))
            .otherwise(coalesce(col("message_tree_id"), col("cycle_id")));

    Dataset<Row> structure =
        base.join(claims, col("message_tree_id").equalTo(col("claim")), "left")
            .join(badRoots, col("root_id").equalTo(col("bad_root")), "left")
            .withColumn("tree_id", treeId)
            .withColumn("structure_status", status)
            .select(
                col("message_id"),
                col("tree_id"),
                col("message_tree_id").isNull().or(col("message_tree_id").notEqual(col("tree_id"))).as("tree_id_recovered"),
                col("root_id"),
                col("depth"),
                col("path"),
                col("path_role").as("role_sequence"),
                col("sibling_position"),
                coalesce(col("n_children"), lit(0L)).cast("int").as("child_count"),
                col("n_children").isNull().as("is_leaf"),
                col("structure_status"),
                col("structure_status").equalTo(OK).as("structurally_valid"),
                col("nearest_marked_ancestor").as("nearest_deleted_ancestor"),
                col("on_cycle"),
                col("cycle_id"),
                col("cycle_length"));
    structure = structure.localCheckpoint(true);
    Dataset<Row> annotated = messages.join(structure, "message_id");
    return new Assembly(annotated, structure, null, ancestry.rounds(), ancestry.cycleRounds());
  }
}
