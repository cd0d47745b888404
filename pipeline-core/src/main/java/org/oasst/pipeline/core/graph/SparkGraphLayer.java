package org.oasst.pipeline.core.graph;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.graphx.Edge;
import org.apache.spark.graphx.Graph;
import org.apache.spark.graphx.lib.ConnectedComponents;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * {@link GraphLayer} on plain DataFrames (pointer jumping) and Spark GraphX (connected components).
 *
 * <p>Pointer jumping: every node keeps a pointer to an ancestor and the path segment up to it; each
 * round replaces the pointer by the pointer's pointer, so the reach doubles and a forest of depth d
 * settles in ceil(log2 d) rounds. Each round is materialized with {@code localCheckpoint}, which also
 * cuts the query plan that would otherwise grow with every join. A round that settles no node means
 * that every node still moving runs into a cycle (while an acyclic node is unsettled, some ancestor
 * of it settles in every round); those nodes are then resolved apart.
 */
final class SparkGraphLayer implements GraphLayer {
  private static final String PENDING = "pending";

  @Override
  public Ancestry ancestry(Dataset<Row> nodes, AncestryOptions options) {
    requireColumns(nodes, options);
    requireUniqueIds(nodes);
    List<String> carried = options.pathColumns();
    boolean marked = options.markColumn() != null;

    Dataset<Row> state = checkpoint(initialState(nodes, options));
    long pending = state.filter(not(col("settled"))).count();
    int rounds = 0;
    while (pending > 0) {
      Dataset<Row> next = checkpoint(jump(state, options));
      release(state);
      state = next;
      rounds++;
      long stillPending = state.filter(not(col("settled"))).count();
      if (stillPending == pending) break; // only nodes running into cycles move on
      pending = stillPending;
    }

    Dataset<Row> cycles = null;
    int cycleRounds = 0;
    if (pending > 0) {
      CycleResult found =
          resolveCycles(
              state.filter(col("status").equalTo(PENDING)).select("id", "ptr"),
              nodes.select("id", "parent_id"));
      cycles = found.byNode;
      cycleRounds = found.rounds;
    }

    Column acyclic = col("status").notEqual(PENDING);
    List<Column> out = new ArrayList<>();
    out.add(col("id"));
    out.add(when(acyclic, col("status")).otherwise(lit(Ancestry.CYCLE)).as("status"));
    out.add(when(acyclic, col("ptr")).as("root_id"));
    out.add(when(acyclic, col("dist")).as("depth"));
    if (options.withPaths()) {
      out.add(when(acyclic, concat(col("seg"), array(col("id")))).as("path"));
      for (String c : carried) {
        out.add(when(acyclic, concat(col("seg_" + c), array(col("v_" + c)))).as("path_" + c));
      }
    }
    if (marked) out.add(when(acyclic, col("nm")).as("nearest_marked_ancestor"));
    Dataset<Row> result = state.select(out.toArray(Column[]::new));
    if (cycles == null) {
      result =
          result
              .withColumn("on_cycle", lit(false))
              .withColumn("cycle_id", lit(null).cast(DataTypes.StringType))
              .withColumn("cycle_length", lit(null).cast(DataTypes.LongType));
    } else {
      result =
          result
              .join(cycles.withColumnRenamed("id", "c_id"), col("id").equalTo(col("c_id")), "left")
              .drop("c_id")
              .withColumn("on_cycle", coalesce(col("on_cycle"), lit(false)));
    }
    Dataset<Row> finalNodes = checkpoint(result);
    release(state);
    return new Ancestry(finalNodes, rounds, cycleRounds);
  }

  /**
   * Roots and orphan tops (parent not among the nodes) are settled from the start with a pointer to
   * themselves; children of a root are settled too. Everyone else points to its parent.
   */
  private static Dataset<Row> initialState(Dataset<Row> nodes, AncestryOptions options) {
    List<String> carried = options.pathColumns();
    String mark = options.markColumn();
    List<Column> self = new ArrayList<>(List.of(col("id"), col("parent_id")));
    List<Column> parent =
        new ArrayList<>(List.of(col("id").as("p_id"), col("parent_id").as("p_parent")));
    for (String c : carried) {
      self.add(col(c).as("v_" + c));
      parent.add(col(c).as("p_" + c));
    }
    if (mark != null) parent.add(coalesce(col(mark).cast(DataTypes.BooleanType), lit(false)).as("p_mark"));
    Dataset<Row> n = nodes.select(self.toArray(Column[]::new));
    Dataset<Row> p = nodes.select(parent.toArray(Column[]::new));
    Dataset<Row> j = n.join(p, col("parent_id").equalTo(col("p_id")), "left");

    Column isRoot = col("parent_id").isNull();
    Column isOrphanTop = col("parent_id").isNotNull().and(col("p_id").isNull());
    Column isTop = isRoot.or(isOrphanTop);
    Column parentIsRoot = col("p_id").isNotNull().and(col("p_parent").isNull());

    List<Column> s = new ArrayList<>();
    s.add(col("id"));
    s.add(when(isTop, col("id")).otherwise(col("parent_id")).as("ptr"));
    s.add(when(isTop, lit(0)).otherwise(lit(1)).as("dist"));
    s.add(isTop.or(parentIsRoot).as("settled"));
    s.add(
        when(isRoot, lit(Ancestry.ROOTED))
            .when(isOrphanTop, lit(Ancestry.ORPHAN))
            .when(parentIsRoot, lit(Ancestry.ROOTED))
            .otherwise(lit(PENDING))
            .as("status"));
    if (options.withPaths()) {
      s.add(when(isTop, emptyArrayOf(col("parent_id"))).otherwise(array(col("parent_id"))).as("seg"));
      for (String c : carried) {
        s.add(col("v_" + c));
        s.add(when(isTop, emptyArrayOf(col("p_" + c))).otherwise(array(col("p_" + c))).as("seg_" + c));
      }
    }
    if (mark != null) s.add(when(col("p_mark"), col("parent_id")).as("nm"));
    return j.select(s.toArray(Column[]::new));
  }

  /** One doubling round: every unsettled node takes over its pointer's pointer and segment. */
  private static Dataset<Row> jump(Dataset<Row> state, AncestryOptions options) {
    List<String> carried = options.pathColumns();
    boolean marked = options.markColumn() != null;
    List<Column> target = new ArrayList<>();
    target.add(col("id").as("a_id"));
    target.add(col("ptr").as("a_ptr"));
    target.add(col("dist").as("a_dist"));
    target.add(col("settled").as("a_settled"));
    target.add(col("status").as("a_status"));
    if (options.withPaths()) {
      target.add(col("seg").as("a_seg"));
      for (String c : carried) target.add(col("seg_" + c).as("a_seg_" + c));
    }
    if (marked) target.add(col("nm").as("a_nm"));
    Dataset<Row> a = state.select(target.toArray(Column[]::new));

    List<Column> moved = new ArrayList<>();
    moved.add(col("id"));
    moved.add(col("a_ptr").as("ptr"));
    moved.add(col("dist").plus(col("a_dist")).as("dist"));
    moved.add(col("a_settled").as("settled"));
    moved.add(when(col("a_settled"), col("a_status")).otherwise(lit(PENDING)).as("status"));
    if (options.withPaths()) {
      moved.add(concat(col("a_seg"), col("seg")).as("seg"));
      for (String c : carried) {
        moved.add(col("v_" + c));
        moved.add(concat(col("a_seg_" + c), col("seg_" + c)).as("seg_" + c));
      }
    }
    // the node's own segment lies below the target's, so its nearest mark wins
    if (marked) moved.add(coalesce(col("nm"), col("a_nm")).as("nm"));

    Dataset<Row> unsettled = state.filter(not(col("settled")));
    Dataset<Row> jumped =
        unsettled.join(a, col("ptr").equalTo(col("a_id"))).select(moved.toArray(Column[]::new));
    return state.filter(col("settled")).unionByName(jumped);
  }

  private record CycleResult(Dataset<Row> byNode, int rounds) {}

  /**
   * Nodes that run into cycles, with pointers that only ever point among themselves. Jumping on:
   * the set of pointer targets can only shrink, and once it stops shrinking the pointer map is a
   * bijection on it, so every target lies on a cycle and every cycle node is a target. The cycles
   * themselves are then told apart as connected components of their members.
   */
  private CycleResult resolveCycles(Dataset<Row> pending, Dataset<Row> parentEdges) {
    Dataset<Row> c = checkpoint(pending);
    long targets = c.select("ptr").distinct().count();
    int rounds = 0;
    while (true) {
      Dataset<Row> next =
          checkpoint(
              c.join(
                      c.select(col("id").as("a_id"), col("ptr").as("a_ptr")),
                      col("ptr").equalTo(col("a_id")))
                  .select(col("id"), col("a_ptr").as("ptr")));
      release(c);
      c = next;
      rounds++;
      long nextTargets = c.select("ptr").distinct().count();
      if (nextTargets == targets) break;
      targets = nextTargets;
    }
    Dataset<Row> members = c.select(col("ptr").as("id")).distinct();
    // the parent edges among members, not the jumped pointers: a pointer 2^k hops ahead splits a
    // cycle whose length shares a factor with 2^k into several orbits
    Dataset<Row> memberEdges =
        parentEdges
            .join(members.select(col("id").as("m")), col("id").equalTo(col("m")))
            .select(col("id").as("src"), col("parent_id").as("dst"));
    Dataset<Row> comps = connectedComponents(members, memberEdges);
    Dataset<Row> sizes =
        comps.groupBy("component").agg(count(lit(1)).as("cycle_length"));
    Dataset<Row> memberInfo =
        comps.join(sizes, "component").select(col("id").as("member"), col("component"), col("cycle_length"));
    Dataset<Row> byNode =
        c.join(memberInfo, col("ptr").equalTo(col("member")))
            .select(col("id"), col("component").as("cycle_id"), col("cycle_length"))
            .join(members.select(col("id").as("on")), col("id").equalTo(col("on")), "left")
            .select(col("id"), col("on").isNotNull().as("on_cycle"), col("cycle_id"), col("cycle_length"));
    Dataset<Row> result = checkpoint(byNode);
    release(c);
    return new CycleResult(result, rounds);
  }

  @Override
  public Dataset<Row> connectedComponents(Dataset<Row> vertices, Dataset<Row> edges) {
    Dataset<Row> ids =
        checkpoint(vertices.select("id").distinct().withColumn("vid", monotonically_increasing_id()));
    JavaRDD<Tuple2<Object, Object>> vertexRdd =
        ids.select("vid").toJavaRDD().map(r -> new Tuple2<>((Object) r.getLong(0), (Object) r.getLong(0)));
    Dataset<Row> numbered =
        edges
            .join(ids.select(col("id").as("s_id"), col("vid").as("s")), col("src").equalTo(col("s_id")))
            .join(ids.select(col("id").as("d_id"), col("vid").as("d")), col("dst").equalTo(col("d_id")))
            .select("s", "d");
    JavaRDD<Edge<Object>> edgeRdd =
        numbered.toJavaRDD().map(r -> new Edge<>(r.getLong(0), r.getLong(1), (Object) Boolean.TRUE));
    ClassTag<Object> any = ClassTag$.MODULE$.Any();
    Graph<Object, Object> graph =
        Graph.apply(
            vertexRdd.rdd(),
            edgeRdd.rdd(),
            (Object) 0L,
            StorageLevel.MEMORY_AND_DISK(),
            StorageLevel.MEMORY_AND_DISK(),
            any,
            any);
    Graph<Object, Object> components = ConnectedComponents.run(graph, Integer.MAX_VALUE, any, any);
    JavaRDD<Row> labelled =
        components.vertices().toJavaRDD().map(t -> RowFactory.create(t._1(), t._2()));
    StructType schema =
        new StructType().add("vid", DataTypes.LongType, false).add("cvid", DataTypes.LongType, false);
    Dataset<Row> byVid = ids.sparkSession().createDataFrame(labelled, schema);
    Dataset<Row> withIds = byVid.join(ids, "vid");
    // GraphX labels a component by its smallest numeric vertex id; the API promises the smallest id
    Dataset<Row> label = withIds.groupBy("cvid").agg(min("id").as("component"));
    Dataset<Row> result = checkpoint(withIds.join(label, "cvid").select("id", "component"));
    components.unpersist(false);
    graph.unpersist(false);
    release(ids);
    return result;
  }

  private static void requireColumns(Dataset<Row> nodes, AncestryOptions options) {
    List<String> needed = new ArrayList<>(List.of("id", "parent_id"));
    needed.addAll(options.pathColumns());
    if (options.markColumn() != null) needed.add(options.markColumn());
    List<String> have = List.of(nodes.columns());
    for (String n : needed) {
      if (!have.contains(n)) {
        throw new IllegalArgumentException("ancestry input lacks column " + n + " (has " + have + ")");
      }
    }
  }

  private static void requireUniqueIds(Dataset<Row> nodes) {
    List<Row> bad =
        nodes
            .groupBy("id")
            .agg(count(lit(1)).as("n"))
            .filter(col("id").isNull().or(col("n").gt(1)))
            .limit(5)
            .collectAsList();
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(
          "node ids must be unique and non-null; offending ids (id, occurrences): " + bad);
    }
  }

  private static Column emptyArrayOf(Column element) {
    return slice(array(element), 1, 0);
  }

  private static Dataset<Row> checkpoint(Dataset<Row> ds) {
    return ds.localCheckpoint(true);
  }

  private static void release(Dataset<Row> checkpointed) {
    Checkpoints.release(checkpointed);
  }
}
