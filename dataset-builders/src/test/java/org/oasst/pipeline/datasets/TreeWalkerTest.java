package org.oasst.pipeline.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.config.PipelineConfig;

class TreeWalkerTest {

  private static TreeNode node(
      String id, String parent, String role, Integer rank, Integer sibling, Boolean review, boolean deleted) {
    return new TreeNode(id, parent, role, org.apache.spark.unsafe.types.UTF8String.fromString("text " + id), "en", review, deleted, false, rank, sibling, null, true);
  }

  /**
   * P0 (prompt)
   *  +- A1 rank 0
   *  |   +- P2 (prompter, leaf, rejected)   sibling 0
   *  |   +- P3 (prompter)                   sibling 1
   *  |       +- A4 (unranked, only reply)
   *  +- A5 rank 1 (leaf)
   *  +- A6 rank 2 (leaf, deleted)
   */
  private static List<TreeNode> tree(int p2Sibling, int p3Sibling) {
    return List.of(
        node("A5", "P0", "assistant", 1, null, true, false),
        node("P0", null, "prompter", null, null, true, false),
        node("A1", "P0", "assistant", 0, null, true, false),
        node("P2", "A1", "prompter", null, p2Sibling, false, false),
        node("P3", "A1", "prompter", null, p3Sibling, true, false),
        node("A4", "P3", "assistant", null, null, true, false),
        node("A6", "P0", "assistant", 2, null, true, true));
  }

  private static DatasetOptions opts(String compat, String... datasets) {
    return DatasetOptions.from(
        PipelineConfig.defaults().with("datasets.compat", compat).with("datasets.build", List.of(datasets)));
  }

  private static List<String> threads(List<Example> examples, String dataset) {
    return examples.stream()
        .filter(e -> e.dataset().equals(dataset))
        .map(e -> String.join(">", e.turnIds()))
        .collect(Collectors.toList());
  }

  @Test
  void referenceModeFollowsTheOriginalSelection() {
    List<Example> ex =
        TreeWalker.walk("P0", "ready_for_export", tree(0, 1), opts("reference", "sft", "sft_top1", "rm_ranked", "rm_pairs", "rl_prompts"));
    // The first prompter reply P2 is a leaf: its thread counts, with P2 dropped (review not checked).
    assertEquals(List.of("P0>A1", "P0>A1>P3>A4", "P0>A5"), threads(ex, "sft"));
    assertEquals(List.of("P0>A1", "P0>A1>P3>A4"), threads(ex, "sft_top1"));
    assertEquals(List.of("P0", "P0>A1>P2", "P0>A1>P3"), threads(ex, "rl_prompts"));
    Example ranked = ex.stream().filter(e -> e.dataset().equals("rm_ranked")).findFirst().orElseThrow();
    // The original keeps the deleted A6 among the ranked replies.
    assertEquals(List.of("A1", "A5", "A6"), ranked.replies().stream().map(Example.Reply::messageId).toList());
    List<String> pairs =
        ex.stream().filter(e -> e.dataset().equals("rm_pairs")).map(e -> e.chosen().messageId() + "/" + e.rejected().messageId()).toList();
    assertEquals(List.of("A1/A5", "A1/A6", "A5/A6"), pairs);
  }

  @Test
  void referenceModeDependsOnWhichPrompterReplyComesFirst() {
    // P3 (not a leaf) first: P2 is not the first reply, so the thread P0>A1 is not produced.
    List<Example> ex = TreeWalker.walk("P0", "ready_for_export", tree(1, 0), opts("reference", "sft"));
    assertEquals(List.of("P0>A1>P3>A4", "P0>A5"), threads(ex, "sft"));
  }

  @Test
  void correctedModeDropsRejectedAndDeletedAndKeepsOnlyUncontinuedThreads() {
    List<Example> ex =
        TreeWalker.walk("P0", "ready_for_export", tree(0, 1), opts("corrected", "sft", "sft_top1", "rm_ranked", "rm_pairs", "rl_prompts"));
    assertEquals(List.of("P0>A1>P3>A4", "P0>A5"), threads(ex, "sft"));
    assertEquals(List.of("P0>A1>P3>A4"), threads(ex, "sft_top1"));
    assertEquals(List.of("P0", "P0>A1>P3"), threads(ex, "rl_prompts"));
    Example ranked = ex.stream().filter(e -> e.dataset().equals("rm_ranked")).findFirst().orElseThrow();
    assertEquals(List.of("A1", "A5"), ranked.replies().stream().map(Example.Reply::messageId).toList());
    assertEquals(List.of("P0"), ranked.turnIds());
    List<Example> pairs = ex.stream().filter(e -> e.dataset().equals("rm_pairs")).toList();
    assertEquals(1, pairs.size());
    assertEquals("A1", pairs.get(0).chosen().messageId());
    assertEquals(0, pairs.get(0).chosen().rank());
    assertEquals("A5", pairs.get(0).rejected().messageId());
    assertEquals(1, pairs.get(0).rejected().rank());
  }

  @Test
  void correctedTopKRanksAmongSurvivingReplies() {
    // The best reply (rank 0) is deleted: the rank-1 reply is then the best one left.
    List<TreeNode> nodes =
        List.of(
            node("P0", null, "prompter", null, null, true, false),
            node("A1", "P0", "assistant", 0, null, true, true),
            node("A2", "P0", "assistant", 1, null, true, false),
            node("A3", "P0", "assistant", 2, null, true, false));
    assertEquals(List.of("P0>A2"), threads(TreeWalker.walk("P0", "ready_for_export", nodes, opts("corrected", "sft_top1")), "sft_top1"));
    assertEquals(List.of(), threads(TreeWalker.walk("P0", "ready_for_export", nodes, opts("reference", "sft_top1")), "sft_top1"));
    assertEquals(List.of("P0>A2", "P0>A3"), threads(TreeWalker.walk("P0", "ready_for_export", nodes, opts("corrected", "sft_top2")), "sft_top2"));
  }

  @Test
  void treeFiltersApply() {
    List<TreeNode> nodes = tree(0, 1);
    assertEquals(List.of(), TreeWalker.walk("P0", "growing", nodes, opts("corrected", "sft")));
    assertEquals(List.of(), TreeWalker.walk("P0", "prompt_lottery_waiting", nodes, opts("reference", "rl_prompts")));
    // Corrected RL prompts also come from lottery trees (accepted prompts waiting for replies).
    assertEquals(2, TreeWalker.walk("P0", "prompt_lottery_waiting", nodes, opts("corrected", "rl_prompts")).size());
    DatasetOptions es =
        DatasetOptions.from(PipelineConfig.defaults().with("datasets.languages", List.of("es")));
    assertEquals(List.of(), TreeWalker.walk("P0", "ready_for_export", nodes, es));
    List<TreeNode> rejectedPrompt =
        List.of(node("P0", null, "prompter", null, null, false, false), node("A1", "P0", "assistant", null, null, true, false));
    assertEquals(List.of(), TreeWalker.walk("P0", "ready_for_export", rejectedPrompt, opts("reference", "sft")));
    assertEquals(List.of(), TreeWalker.walk("P0", "ready_for_export", rejectedPrompt, opts("corrected", "sft")));
  }

  @Test
  void deepChainsDoNotOverflow() {
    int depth = 50_000;
    List<TreeNode> nodes = new ArrayList<>();
    nodes.add(node("m0", null, "prompter", null, null, true, false));
    for (int i = 1; i < depth; i++) {
      nodes.add(node("m" + i, "m" + (i - 1), i % 2 == 1 ? "assistant" : "prompter", null, null, true, false));
    }
    List<Example> ex = TreeWalker.walk("m0", "ready_for_export", nodes, opts("corrected", "sft"));
    assertEquals(1, ex.size());
    assertEquals(depth, ex.get(0).turns().size());
    assertEquals("m" + (depth - 1), ex.get(0).turnIds().get(depth - 1));
  }

  @Test
  void malformedTreesAreClearErrors() {
    List<TreeNode> twoRoots =
        List.of(node("a", null, "prompter", null, null, true, false), node("b", null, "prompter", null, null, true, false));
    assertTrue(assertThrows(TreeWalker.MalformedTreeException.class, () -> TreeWalker.link("t", twoRoots)).getMessage().contains("two roots"));
    List<TreeNode> orphan =
        List.of(node("a", null, "prompter", null, null, true, false), node("b", "x", "assistant", null, null, true, false));
    assertTrue(assertThrows(TreeWalker.MalformedTreeException.class, () -> TreeWalker.link("t", orphan)).getMessage().contains("outside the tree"));
    List<TreeNode> cycle =
        List.of(
            node("a", null, "prompter", null, null, true, false),
            node("b", "c", "assistant", null, null, true, false),
            node("c", "b", "prompter", null, null, true, false));
    assertTrue(assertThrows(TreeWalker.MalformedTreeException.class, () -> TreeWalker.link("t", cycle)).getMessage().contains("cycle"));
  }
}
