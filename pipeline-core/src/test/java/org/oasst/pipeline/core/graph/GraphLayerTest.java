package org.oasst.pipeline.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.TestSpark;
import org.junit.jupiter.api.Test;

class GraphLayerTest {
  private static final StructType NODES =
      new StructType()
          .add("id", DataTypes.StringType, false)
          .add("parent_id", DataTypes.StringType, true)
          .add("tag", DataTypes.StringType, true)
          .add("flag", DataTypes.BooleanType, true);

  private final SparkSession spark = TestSpark.get();
  private final GraphLayer graph = GraphLayer.spark();

  private Dataset<Row> nodes(String[][] idParentTag, Set<String> flagged) {
    List<Row> rows = new ArrayList<>();
    for (String[] n : idParentTag) rows.add(RowFactory.create(n[0], n[1], n[2], flagged.contains(n[0])));
    return spark.createDataFrame(rows, NODES);
  }

  private static Map<String, Row> byId(Dataset<Row> ds) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : ds.collectAsList()) m.put(r.getAs("id"), r);
    return m;
  }

  @Test
  void rootsOrphansAndCyclesOnAHandMadeForest() {
    String[][] forest = {
      {"a", null, "p"}, {"b", "a", "q"}, {"c", "a", "r"}, {"d", "b", "s"}, {"e", "d", "t"},
      // orphan subtree: x's parent m is missing
      {"x", "m", "u"}, {"y", "x", "v"},
      // self loop
      {"s", "s", "w"},
      // 3-cycle p1 -> p2 -> p3 -> p1 with a tail t2 -> t1 -> p1
      {"p1", "p3", "k"}, {"p2", "p1", "k"}, {"p3", "p2", "k"}, {"t1", "p1", "k"}, {"t2", "t1", "k"},
      // 4-cycle (a pointer 2^k ahead would split it) with a 5-long tail
      {"w1", "w4", "k"}, {"w2", "w1", "k"}, {"w3", "w2", "k"}, {"w4", "w3", "k"},
      {"z1", "w2", "k"}, {"z2", "z1", "k"}, {"z3", "z2", "k"}, {"z4", "z3", "k"}, {"z5", "z4", "k"},
    };
    Ancestry result =
        graph.ancestry(nodes(forest, Set.of("b", "a")), AncestryOptions.withPaths(List.of("tag"), "flag"));
    Map<String, Row> r = byId(result.nodes());
    assertEquals(forest.length, r.size());

    assertEquals(Ancestry.ROOTED, r.get("e").getAs("status"));
    assertEquals("a", r.get("e").getAs("root_id"));
    assertEquals(3, (int) r.get("e").getAs("depth"));
    assertEquals(List.of("a", "b", "d", "e"), r.get("e").getList(r.get("e").fieldIndex("path")));
    assertEquals(List.of("p", "q", "s", "t"), r.get("e").getList(r.get("e").fieldIndex("path_tag")));
    assertEquals("b", r.get("e").getAs("nearest_marked_ancestor"));
    assertEquals("a", r.get("b").getAs("nearest_marked_ancestor"));
    assertEquals("a", r.get("c").getAs("nearest_marked_ancestor"));
    assertNull(r.get("a").getAs("nearest_marked_ancestor"));
    assertEquals(0, (int) r.get("a").getAs("depth"));
    assertEquals(List.of("a"), r.get("a").getList(r.get("a").fieldIndex("path")));

    assertEquals(Ancestry.ORPHAN, r.get("y").getAs("status"));
    assertEquals("x", r.get("y").getAs("root_id"));
    assertEquals(1, (int) r.get("y").getAs("depth"));
    assertEquals(Ancestry.ORPHAN, r.get("x").getAs("status"));

    for (String id : List.of("s", "p1", "p2", "p3", "t1", "t2", "w1", "w2", "w3", "w4", "z1", "z5")) {
      Row n = r.get(id);
      assertEquals(Ancestry.CYCLE, n.getAs("status"), id);
      assertNull(n.getAs("root_id"), id);
      assertNull(n.getAs("path"), id);
    }
    Set<String> onCycle = new HashSet<>();
    for (Row n : r.values()) if (n.<Boolean>getAs("on_cycle")) onCycle.add(n.getAs("id"));
    assertEquals(Set.of("s", "p1", "p2", "p3", "w1", "w2", "w3", "w4"), onCycle);
    assertEquals("p1", r.get("t2").getAs("cycle_id"));
    assertEquals(3L, (long) r.get("t2").getAs("cycle_length"));
    assertEquals("w1", r.get("z5").getAs("cycle_id"));
    assertEquals(4L, (long) r.get("w3").getAs("cycle_length"));
    assertEquals(1L, (long) r.get("s").getAs("cycle_length"));
    assertFalse(r.get("a").<Boolean>getAs("on_cycle"));
  }

  @Test
  void deepChainTakesLogarithmicallyManyRounds() {
    int depth = 3000;
    String[][] chain = new String[depth + 1][];
    chain[0] = new String[] {"n0", null, "t"};
    for (int i = 1; i <= depth; i++) chain[i] = new String[] {"n" + i, "n" + (i - 1), "t"};
    Ancestry result = graph.ancestry(nodes(chain, Set.of()), AncestryOptions.rootsOnly());
    int expected = (int) Math.ceil(Math.log(depth) / Math.log(2));
    assertTrue(
        result.rounds() >= expected && result.rounds() <= expected + 1,
        "rounds " + result.rounds() + " for depth " + depth);
    Row last = result.nodes().filter("id = 'n3000'").first();
    assertEquals(depth, (int) last.getAs("depth"));
    assertEquals("n0", last.getAs("root_id"));
    assertEquals(0L, result.nodes().filter("root_id <> 'n0' or status <> 'rooted'").count());
    // depth of every node is its index: the sum checks all of them at once
    long depthSum = result.nodes().selectExpr("sum(depth)").first().getLong(0);
    assertEquals((long) depth * (depth + 1) / 2, depthSum);
  }

  @Test
  void randomForestMatchesABruteForceWalk() {
    Random random = new Random(42);
    List<String[]> list = new ArrayList<>();
    Map<String, String> parent = new HashMap<>();
    for (int t = 0; t < 40; t++) {
      String root = "r" + t;
      list.add(new String[] {root, null, "x"});
      parent.put(root, null);
      List<String> inTree = new ArrayList<>(List.of(root));
      int size = 1 + random.nextInt(30);
      for (int i = 1; i < size; i++) {
        String id = root + "_" + i;
        // bias towards recent nodes to get deep trees
        String p = inTree.get(Math.max(0, inTree.size() - 1 - random.nextInt(3)));
        list.add(new String[] {id, p, "x"});
        parent.put(id, p);
        inTree.add(id);
      }
    }
    Ancestry result =
        graph.ancestry(nodes(list.toArray(String[][]::new), Set.of()), AncestryOptions.withPaths(List.of(), null));
    Map<String, Row> r = byId(result.nodes());
    int maxDepth = 0;
    for (String id : parent.keySet()) {
      List<String> path = new ArrayList<>();
      for (String cur = id; cur != null; cur = parent.get(cur)) path.add(0, cur);
      Row n = r.get(id);
      assertEquals(path, n.getList(n.fieldIndex("path")), id);
      assertEquals(path.get(0), n.getAs("root_id"));
      assertEquals(path.size() - 1, (int) n.getAs("depth"));
      maxDepth = Math.max(maxDepth, path.size() - 1);
    }
    assertEquals((int) Math.ceil(Math.log(maxDepth) / Math.log(2)), result.rounds());
  }

  @Test
  void duplicateIdsAreRejected() {
    String[][] dup = {{"a", null, "x"}, {"a", null, "y"}};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> graph.ancestry(nodes(dup, Set.of()), AncestryOptions.rootsOnly()));
    assertTrue(e.getMessage().contains("unique"));
  }

  @Test
  void connectedComponentsLabelBySmallestId() {
    StructType v = new StructType().add("id", DataTypes.StringType, false);
    StructType e = new StructType().add("src", DataTypes.StringType, false).add("dst", DataTypes.StringType, false);
    Dataset<Row> vertices =
        spark.createDataFrame(
            List.of("m", "k", "z", "b", "q", "lonely").stream().map(RowFactory::create).toList(), v);
    Dataset<Row> edges =
        spark.createDataFrame(
            List.of(RowFactory.create("m", "k"), RowFactory.create("z", "k"), RowFactory.create("b", "q")), e);
    Map<String, String> comp = new HashMap<>();
    for (Row row : graph.connectedComponents(vertices, edges).collectAsList()) comp.put(row.getString(0), row.getString(1));
    assertEquals(
        Map.of("m", "k", "k", "k", "z", "k", "b", "b", "q", "b", "lonely", "lonely"), comp);
  }
}
