package org.oasst.pipeline.core.trees;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oasst.pipeline.core.trees.TestMessages.assistant;
import static org.oasst.pipeline.core.trees.TestMessages.prompter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.trees.TestMessages.M;

class TreeAssemblyTest {
  private final SparkSession spark = TestSpark.get();

  private static Map<String, Row> byId(Dataset<Row> annotated) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : annotated.collectAsList()) m.put(r.getAs("message_id"), r);
    return m;
  }

  private static Set<String> findingKeys(Dataset<Row> findings) {
    Set<String> keys = new TreeSet<>();
    for (Row r : findings.collectAsList()) keys.add(r.getString(0) + ":" + r.getString(1));
    return keys;
  }

  @Test
  void cleanTreeGetsItsStructureAndNoFindings() {
    List<M> ms =
        List.of(
            prompter("a", null).tree("a").at(0),
            assistant("b", "a").tree("a").rank(0).at(2),
            assistant("c", "a").tree("a").rank(1).at(1),
            assistant("c2", "a").tree("a").at(3),
            prompter("d", "b").tree("a").at(4),
            assistant("e", "d").tree("a").at(5),
            // no tree ids at all: recovered from the parent chain
            prompter("x", null).tree(null).at(0),
            assistant("y", "x").tree(null).at(1));
    Dataset<Row> annotated = TreeAssembly.annotate(TestMessages.frame(spark, ms));
    Map<String, Row> r = byId(annotated);
    Row e = r.get("e");
    assertEquals("a", e.getAs("tree_id"));
    assertEquals(3, (int) e.getAs("depth"));
    assertEquals(List.of("a", "b", "d", "e"), e.getList(e.fieldIndex("path")));
    assertEquals(
        List.of("prompter", "assistant", "prompter", "assistant"), e.getList(e.fieldIndex("role_sequence")));
    assertTrue(e.<Boolean>getAs("is_leaf"));
    assertEquals(3, (int) r.get("a").getAs("child_count"));
    // rank first, unranked last
    assertEquals(0, (int) r.get("b").getAs("sibling_position"));
    assertEquals(1, (int) r.get("c").getAs("sibling_position"));
    assertEquals(2, (int) r.get("c2").getAs("sibling_position"));
    assertEquals(0, (int) r.get("a").getAs("sibling_position"));
    assertFalse(r.get("a").<Boolean>getAs("tree_id_recovered"));
    assertEquals("x", r.get("y").getAs("tree_id"));
    assertTrue(r.get("y").<Boolean>getAs("tree_id_recovered"));
    for (Row row : r.values()) assertTrue(row.<Boolean>getAs("structurally_valid"));
    assertEquals(0L, IntegrityChecks.findings(annotated).count());
  }

  @Test
  void everyIntegrityKindIsFoundExactly() {
    List<M> ms = new ArrayList<>();
    // orphan subtree: o1's parent is missing
    ms.add(assistant("o1", "missing").tree("O"));
    ms.add(prompter("o2", "o1").tree("O"));
    // a two-message cycle
    ms.add(prompter("c1", "c2").tree("C"));
    ms.add(assistant("c2", "c1").tree("C"));
    ms.add(prompter("c3", "c2").tree("C")); // hangs below the cycle, is not on it
    // roles: a prompter answering a prompter, an assistant as root
    ms.add(prompter("r1", null).tree("r1"));
    ms.add(prompter("r2", "r1").tree("r1"));
    ms.add(assistant("ra", null).tree("ra"));
    // tree id contradicting the chain
    ms.add(prompter("m1", null).tree("m1"));
    ms.add(assistant("m2", "m1").tree("zzz"));
    // two roots claim tree id K
    ms.add(prompter("K", null).tree("K"));
    ms.add(prompter("k2", null).tree("K"));
    // live message under a deleted one
    ms.add(prompter("d1", null).tree("d1"));
    ms.add(assistant("d2", "d1").tree("d1").deleted(true));
    ms.add(prompter("d3", "d2").tree("d1"));
    // duplicated rank, rank gap, rank on a prompter
    ms.add(prompter("q1", null).tree("q1"));
    ms.add(assistant("q2", "q1").tree("q1").rank(0));
    ms.add(assistant("q3", "q1").tree("q1").rank(0));
    ms.add(prompter("g1", null).tree("g1"));
    ms.add(assistant("g2", "g1").tree("g1").rank(0));
    ms.add(assistant("g3", "g1").tree("g1").rank(2));
    ms.add(prompter("h1", null).tree("h1").rank(0));
    // acceptance: v1 contradicts its labels; v2, v3, v4 do not (or cannot be checked)
    ms.add(prompter("v1", null).tree("v1").review(3, true).label("spam", 2.0 / 3, 3));
    ms.add(assistant("v2", "v1").tree("v1").review(5, false).label("spam", 0.4, 5));
    ms.add(assistant("v3", "v1").tree("v1").review(2, false).label("spam", 1.0, 2));
    ms.add(
        assistant("v4", "v1").tree("v1").review(3, true).label("spam", 0.0, 3).label("lang_mismatch", 1.0 / 3, 3));
    ms.add(assistant("v5", "v1").tree("v1").review(4, false).label("spam", 0.25, 4).label("lang_mismatch", 0.25, 4));
    // created before its parent
    ms.add(prompter("w1", null).tree("w1").at(10));
    ms.add(assistant("w2", "w1").tree("w1").at(5));

    Dataset<Row> annotated = TreeAssembly.annotate(TestMessages.frame(spark, ms));
    Dataset<Row> findings = IntegrityChecks.findings(annotated);
    assertEquals(
        new TreeSet<>(
            List.of(
                "orphan:o1",
                "cycle:c1",
                "cycle:c2",
                "role_not_alternating:r2",
                "role_not_alternating:ra",
                "tree_id_mismatch:m2",
                "tree_id_mismatch:k2",
                "multiple_roots:K",
                "multiple_roots:k2",
                "deleted_ancestor:d3",
                "rank_duplicate:q1",
                "rank_gap:g1",
                "rank_on_prompter:h1",
                "review_result_mismatch:v1",
                "created_before_parent:w2")),
        findingKeys(findings));
    assertEquals(15L, findings.count());
    for (Row f : findings.collectAsList()) assertTrue(IntegrityChecks.KINDS.contains(f.getString(0)));

    Map<String, String> details = new HashMap<>();
    for (Row f : findings.collectAsList()) details.put(f.getString(0) + ":" + f.getString(1), f.getString(3));
    assertTrue(details.get("orphan:o1").contains("missing") && details.get("orphan:o1").contains("2 messages"));
    assertTrue(details.get("cycle:c1").contains("2 messages"));
    assertTrue(details.get("deleted_ancestor:d3").contains("d2"));
    assertTrue(details.get("rank_gap:g1").contains("[0, 2]"));

    Map<String, Row> r = byId(annotated);
    Map<String, String> status = new TreeMap<>();
    for (Row row : r.values()) {
      if (!row.<Boolean>getAs("structurally_valid")) status.put(row.getAs("message_id"), row.getAs("structure_status"));
    }
    assertEquals(
        Map.of(
            "o1", "orphaned", "o2", "orphaned",
            "c1", "cycle", "c2", "cycle", "c3", "cycle",
            "K", "multiple_roots", "k2", "multiple_roots"),
        status);
    assertEquals("C", r.get("c3").getAs("tree_id"));
    assertEquals("m1", r.get("m2").getAs("tree_id"));
    assertTrue(r.get("m2").<Boolean>getAs("tree_id_recovered"));

    // invalid messages are kept in the trees table, flagged
    Map<String, Row> trees = new HashMap<>();
    for (Row t : TreeSummary.trees(annotated).collectAsList()) trees.put(t.getAs("tree_id"), t);
    assertFalse(trees.get("O").<Boolean>getAs("structurally_valid"));
    assertEquals(2L, (long) trees.get("O").getAs("size"));
    assertFalse(trees.get("O").<Boolean>getAs("has_root"));
    Row d1 = trees.get("d1");
    assertEquals(3L, (long) d1.getAs("size"));
    assertEquals(1L, (long) d1.getAs("deleted_count"));
    assertEquals(2, (int) d1.getAs("max_depth"));
    assertEquals(2L, (long) d1.getAs("prompter_count"));
    Row v1 = trees.get("v1");
    assertEquals(3L, (long) v1.getAs("rejected_count"));
    assertEquals(1L, (long) trees.get("q1").getAs("ranked_parent_count"));

    // threads leave out every structurally invalid message
    Set<String> threadIds = new HashSet<>();
    for (Row t : Threads.threads(annotated).collectAsList()) threadIds.add(t.getAs("thread_id"));
    Set<String> expected = new HashSet<>();
    for (Row row : r.values()) if (row.<Boolean>getAs("structurally_valid")) expected.add(row.getAs("message_id"));
    assertEquals(expected, threadIds);
  }

  @Test
  void threadsAgreeWithABruteForceWalkOnRandomTrees() {
    Random random = new Random(7);
    List<M> ms = new ArrayList<>();
    Map<String, String> parent = new HashMap<>();
    Map<String, String> tree = new HashMap<>();
    Map<String, String> role = new HashMap<>();
    for (int t = 0; t < 30; t++) {
      String root = "t" + t;
      ms.add(prompter(root, null).tree(root));
      parent.put(root, null);
      tree.put(root, root);
      role.put(root, "prompter");
      List<String> nodes = new ArrayList<>(List.of(root));
      int size = 1 + random.nextInt(25);
      for (int i = 1; i < size; i++) {
        String p = nodes.get(random.nextInt(nodes.size()));
        String id = root + "." + i;
        String rl = role.get(p).equals("prompter") ? "assistant" : "prompter";
        ms.add(TestMessages.msg(id, p, rl).tree(root).at(i));
        parent.put(id, p);
        tree.put(id, root);
        role.put(id, rl);
        nodes.add(id);
      }
    }
    Dataset<Row> annotated = TreeAssembly.annotate(TestMessages.frame(spark, ms));
    Map<String, Long> expectedPerTree = new TreeMap<>();
    for (String id : parent.keySet()) expectedPerTree.merge(tree.get(id), 1L, Long::sum);
    Map<String, Long> perTree = new TreeMap<>();
    for (Row t : Threads.threads(annotated).collectAsList()) {
      perTree.merge(t.getAs("tree_id"), 1L, Long::sum);
      List<String> walk = new ArrayList<>();
      for (String cur = t.getAs("thread_id"); cur != null; cur = parent.get(cur)) walk.add(0, cur);
      List<Row> messages = t.getList(t.fieldIndex("messages"));
      List<String> got = new ArrayList<>();
      List<String> roles = new ArrayList<>();
      for (Row m : messages) {
        got.add(m.getAs("message_id"));
        roles.add(m.getAs("role"));
      }
      assertEquals(walk, got);
      for (int i = 0; i < walk.size(); i++) assertEquals(role.get(walk.get(i)), roles.get(i));
      assertEquals(walk.size(), (int) t.getAs("length"));
    }
    assertEquals(expectedPerTree, perTree);
    assertEquals(0L, IntegrityChecks.findings(annotated).count());
  }

  /** Random clean trees with deletions, and a second tree id that one subtree is filed under. */
  private static List<M> randomForest(long seed, boolean oneChainAcrossTrees) {
    Random random = new Random(seed);
    List<M> ms = new ArrayList<>();
    for (int t = 0; t < 40; t++) {
      String root = "r" + t;
      ms.add(prompter(root, null).tree(root).deleted(random.nextInt(10) == 0));
      List<String> nodes = new ArrayList<>(List.of(root));
      Map<String, String> role = new HashMap<>(Map.of(root, "prompter"));
      for (int i = 1, size = 1 + random.nextInt(30); i < size; i++) {
        String p = nodes.get(random.nextInt(nodes.size()));
        String id = root + "." + i;
        String rl = role.get(p).equals("prompter") ? "assistant" : "prompter";
        role.put(id, rl);
        String claimed = oneChainAcrossTrees && t == 3 && i > size / 2 ? "r0" : root;
        ms.add(TestMessages.msg(id, p, rl).tree(claimed).at(i).deleted(random.nextInt(8) == 0));
        nodes.add(id);
      }
    }
    return ms;
  }

  private static Set<String> structureRows(Dataset<Row> structure) {
    Set<String> rows = new TreeSet<>();
    List<String> columns = new ArrayList<>(List.of("message_id"));
    columns.addAll(TreeAssembly.STRUCTURE_COLUMNS);
    for (Row r : structure.selectExpr(columns.toArray(String[]::new)).collectAsList()) rows.add(r.toString());
    return rows;
  }

  @Test
  void perTreeAssemblyEqualsPointerJumpingWhereItApplies() {
    List<M> ms = new ArrayList<>(randomForest(11, false));
    // a tree id claimed by two parentless messages, ranks and equal ages among siblings
    ms.add(prompter("m1", null).tree("m").at(1));
    ms.add(prompter("m2", null).tree("m").at(1));
    ms.add(assistant("m1.a", "m1").tree("m").rank(1).at(2));
    ms.add(assistant("m1.b", "m1").tree("m").rank(0).at(3));
    ms.add(assistant("m1.c", "m1").tree("m").at(2));
    ms.add(assistant("m1.d", "m1").tree("m").at(2));
    Dataset<Row> messages = TestMessages.frame(spark, ms);
    Dataset<Row> perTree = PerTreeStructure.structure(messages);
    assertEquals(0L, perTree.filter("not settled").count());
    Set<String> expected =
        structureRows(TreeAssembly.forestAssembly(messages, org.oasst.pipeline.core.graph.GraphLayer.spark()).structure());
    Set<String> got = structureRows(perTree);
    assertEquals(expected, got);
    // the cases are really there
    Map<String, Row> r = byId(perTree);
    assertTrue(r.values().stream().anyMatch(row -> row.getAs("nearest_deleted_ancestor") != null));
    assertEquals(TreeAssembly.MULTIPLE_ROOTS, r.get("m1.a").getAs("structure_status"));
    assertEquals(0, (int) r.get("m1.b").getAs("sibling_position"));
    assertEquals(3, (int) r.get("m1.d").getAs("sibling_position"));
    assertTrue(TreeAssembly.assemble(messages, org.oasst.pipeline.core.graph.GraphLayer.spark()).perTree());
  }

  private static Set<String> rows(Dataset<Row> table) {
    Set<String> rows = new TreeSet<>();
    for (Row r : table.collectAsList()) rows.add(r.toString());
    return rows;
  }

  @Test
  void perTreeSummaryAndFindingsEqualThoseOfPointerJumping() {
    List<M> ms = new ArrayList<>(randomForest(13, false));
    // every finding a tree can give on its own
    ms.add(prompter("p1", null).tree("p1").at(1));
    ms.add(prompter("p2", "p1").tree("p1").at(2)); // prompter answers prompter
    ms.add(assistant("ra", null).tree("ra")); // assistant root
    ms.add(prompter("x", null).tree("X").at(1)); // root id differs from the claimed tree id
    ms.add(assistant("x.1", "x").tree("X").at(2).lang("de").synthetic(true));
    ms.add(prompter("K", null).tree("K").at(1)); // two parentless messages claim K
    ms.add(prompter("k2", null).tree("K").at(1).state("aborted_low_grade"));
    ms.add(assistant("k2.1", "k2").tree("K").at(3));
    ms.add(prompter("q1", null).tree("q1").rank(0)); // rank on a prompter
    ms.add(assistant("q2", "q1").tree("q1").rank(0)); // duplicated rank, and a gap: [0, 0, 3]
    ms.add(assistant("q3", "q1").tree("q1").rank(0));
    ms.add(assistant("q4", "q1").tree("q1").rank(3));
    ms.add(prompter("q5", "q1").tree("q1").rank(1)); // a ranked prompter reply: not among the ranks
    ms.add(assistant("v1", "q5").tree("q1").review(3, true).label("spam", 2.0 / 3, 3));
    ms.add(assistant("v2", "q5").tree("q1").review(5, false).label("spam", 0.4, 5).label("lang_mismatch", 0.25, 4));
    ms.add(prompter("w1", null).tree("w1").at(10));
    ms.add(assistant("w2", "w1").tree("w1").at(5)); // created before its parent
    ms.add(prompter("w3", "w2").tree("w1").at(5).deleted(true));
    ms.add(assistant("w4", "w3").tree("w1")); // live under a deleted message
    Dataset<Row> messages = TestMessages.frame(spark, ms);
    TreeAssembly.Assembly perTree = TreeAssembly.assemble(messages, org.oasst.pipeline.core.graph.GraphLayer.spark());
    assertTrue(perTree.perTree());
    TreeAssembly.Assembly forest =
        TreeAssembly.forestAssembly(messages, org.oasst.pipeline.core.graph.GraphLayer.spark());

    IntegrityChecks.Options options = new IntegrityChecks.Options(3, 0.6);
    Set<String> findings = rows(perTree.findings(options));
    assertEquals(rows(forest.findings(options)), findings);
    Set<String> kinds = new TreeSet<>();
    for (Row f : perTree.findings(options).collectAsList()) kinds.add(f.getString(0));
    Set<String> expectedKinds = new TreeSet<>(IntegrityChecks.KINDS);
    expectedKinds.removeAll(List.of(IntegrityChecks.ORPHAN, IntegrityChecks.CYCLE));
    assertEquals(expectedKinds, kinds);
    // the details were formatted by the same expressions: spot-check the parts built on the walk's rows
    assertTrue(findings.contains("[rank_duplicate,q1,q1,assistant replies ranked [0, 0, 3]]"), findings.toString());
    assertTrue(findings.contains("[multiple_roots,k2,K,2 parentless messages claim tree id K]"), findings.toString());
    assertTrue(
        findings.contains(
            "[created_before_parent,w2,w1,created 2023-02-01 00:05:00, before its parent w1 (2023-02-01 00:10:00)]"),
        findings.toString());

    assertEquals(rows(forest.trees()), rows(perTree.trees()));
    // a stricter acceptance threshold changes the findings the same way on both paths
    IntegrityChecks.Options strict = new IntegrityChecks.Options(3, 0.9);
    assertEquals(rows(forest.findings(strict)), rows(perTree.findings(strict)));
    assertFalse(rows(perTree.findings(strict)).equals(findings));
  }

  @Test
  void anIdFiledUnderTwoTreeIdsIsRejectedAsThePointerJumpingAlwaysDid() {
    Dataset<Row> messages =
        TestMessages.frame(
            spark,
            List.of(prompter("a", null).tree("a"), prompter("x", null).tree("x"), assistant("x", "a").tree("a")));
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> TreeAssembly.assemble(messages, org.oasst.pipeline.core.graph.GraphLayer.spark()));
    assertTrue(e.getMessage().contains("unique"), e.getMessage());
  }

  @Test
  void aChainAcrossTreeIdsLeavesItToPointerJumpingWithTheSameTreesAsBefore() {
    Dataset<Row> messages = TestMessages.frame(spark, randomForest(12, true));
    TreeAssembly.Assembly assembly =
        TreeAssembly.assemble(messages, org.oasst.pipeline.core.graph.GraphLayer.spark());
    assertFalse(assembly.perTree());
    Map<String, Row> r = byId(assembly.annotated());
    // the subtree filed under r0 still belongs to r3 by its parent chain, and says so
    for (Row row : r.values()) {
      String id = row.getAs("message_id");
      assertEquals(id.substring(0, id.contains(".") ? id.indexOf('.') : id.length()), row.getAs("tree_id"));
    }
    assertTrue(r.values().stream().anyMatch(row -> row.<Boolean>getAs("tree_id_recovered")));
  }

  @Test
  void realOpenPawsSampleHasNoStructuralFindingsAndTheExpectedTrees() throws Exception {
    Path file = TestSpark.realSample(TestSpark.OPENPAWS);
    // independent expectations: distinct trees, their states and messages, straight from the JSON
    ObjectMapper json = new ObjectMapper();
    Map<String, String> stateOfTree = new HashMap<>();
    Set<String> messageIds = new HashSet<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) continue;
      JsonNode t = json.readTree(line);
      stateOfTree.put(t.get("message_tree_id").asText(), t.get("tree_state").asText());
      List<JsonNode> todo = new ArrayList<>(List.of(t.get("prompt")));
      while (!todo.isEmpty()) {
        JsonNode n = todo.remove(todo.size() - 1);
        messageIds.add(n.get("message_id").asText());
        if (n.hasNonNull("replies")) n.get("replies").forEach(todo::add);
      }
    }
    Map<String, Long> expectedStates = new TreeMap<>();
    for (String s : stateOfTree.values()) expectedStates.merge(s, 1L, Long::sum);
    assertEquals(520, stateOfTree.size());
    assertEquals(1500, messageIds.size());

    Dataset<Row> annotated = TreeAssembly.annotate(read(file)).cache();
    Dataset<Row> findings = IntegrityChecks.findings(annotated);
    assertEquals(
        0L, findings.filter(findings.col("kind").isin(IntegrityChecks.STRUCTURAL.toArray())).count());
    Dataset<Row> trees = TreeSummary.trees(annotated);
    assertEquals(520L, trees.count());
    Map<String, Long> states = new TreeMap<>();
    for (Row r : trees.groupBy("tree_state").count().collectAsList()) states.put(r.getString(0), r.getLong(1));
    assertEquals(expectedStates, states);
    assertEquals(1500L, trees.selectExpr("sum(size)").first().getLong(0));
    assertEquals(520L, trees.filter("structurally_valid and has_root").count());
    annotated.unpersist();
  }

  @Test
  void realEn100SampleIsStructurallyClean() {
    Dataset<Row> annotated = TreeAssembly.annotate(read(TestSpark.realSample(TestSpark.EN_100))).cache();
    Dataset<Row> findings = IntegrityChecks.findings(annotated);
    assertEquals(
        0L, findings.filter(findings.col("kind").isin(IntegrityChecks.STRUCTURAL.toArray())).count());
    Dataset<Row> trees = TreeSummary.trees(annotated);
    assertEquals(100L, trees.filter("structurally_valid and has_root and complete").count());
    assertEquals(1167L, annotated.filter("structurally_valid").count());
    annotated.unpersist();
  }

  private Dataset<Row> read(Path file) {
    return OasstReader.read(spark, List.of(file.toString()), ReadOptions.defaults()).messages();
  }
}
