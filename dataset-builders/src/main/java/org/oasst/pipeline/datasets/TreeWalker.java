package org.oasst.pipeline.datasets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.oasst.pipeline.datasets.DatasetOptions.Compat;
import org.oasst.pipeline.datasets.DatasetOptions.ReviewPolicy;
import org.oasst.pipeline.datasets.Example.Reply;
import org.oasst.pipeline.datasets.Example.Turn;

/**
 * Turns one conversation tree into training examples. Trees are small, so each is walked in plain
 * Java on an executor: the selection rules of the original training code can then be followed to the
 * letter. Every walk is iterative (explicit stacks, parent pointers), so a pathologically deep chain
 * cannot overflow the stack.
 */
public final class TreeWalker {
  private TreeWalker() {}

  /** A tree that cannot be walked: no root, several roots, a cycle, an orphan, a duplicate id. */
  public static final class MalformedTreeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedTreeException(String treeId, String problem) {
      super("malformed tree " + treeId + ": " + problem);
    }
  }

  /**
   * Links the nodes into a tree, orders every node's replies as the official export does, and
   * returns the nodes in depth-first pre-order (the root first).
   */
  public static List<TreeNode> link(String treeId, List<TreeNode> nodes) {
    Map<String, TreeNode> byId = new HashMap<>(nodes.size() * 2);
    for (TreeNode n : nodes) {
      if (n.id == null) throw new MalformedTreeException(treeId, "a message without message_id");
      if (byId.put(n.id, n) != null) throw new MalformedTreeException(treeId, "message " + n.id + " appears twice");
      n.parent = null;
      n.children.clear();
      n.order = -1;
    }
    TreeNode root = null;
    for (TreeNode n : nodes) {
      if (n.parentId == null) {
        if (root != null) throw new MalformedTreeException(treeId, "two roots, " + root.id + " and " + n.id);
        root = n;
      } else {
        TreeNode parent = byId.get(n.parentId);
        if (parent == null) {
          throw new MalformedTreeException(treeId, "message " + n.id + " has parent " + n.parentId + " outside the tree");
        }
        n.parent = parent;
        parent.children.add(n);
      }
    }
    if (root == null) throw new MalformedTreeException(treeId, "no root message (every message has a parent)");
    for (TreeNode n : nodes) n.children.sort(TreeNode.REPLY_ORDER);

    List<TreeNode> preorder = new ArrayList<>(nodes.size());
    Deque<TreeNode> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      TreeNode n = stack.pop();
      n.order = preorder.size();
      preorder.add(n);
      for (int i = n.children.size() - 1; i >= 0; i--) stack.push(n.children.get(i));
    }
    if (preorder.size() != nodes.size()) {
      // Parent pointers that all resolve but do not all lead to the root can only form a cycle.
      throw new MalformedTreeException(
          treeId, (nodes.size() - preorder.size()) + " messages are not reachable from the root (a cycle)");
    }
    return preorder;
  }

  /** All requested examples of one tree, datasets in the order requested, threads in pre-order. */
  public static List<Example> walk(String treeId, String treeState, List<TreeNode> nodes, DatasetOptions opts) {
    List<TreeNode> preorder = link(treeId, nodes);
    TreeNode root = preorder.get(0);
    List<Example> out = new ArrayList<>();
    boolean langOk = opts.languages.isEmpty() || opts.languages.contains(root.lang);
    if (!langOk) return out;
    boolean reference = opts.compat == Compat.REFERENCE;
    boolean acceptedPrompt = Boolean.TRUE.equals(root.reviewResult);
    if (reference) {
      // The original applies one tree filter to every mode (its RL branch for lottery trees is dead code).
      if (!"ready_for_export".equals(treeState) || !acceptedPrompt) return out;
    } else if (opts.requireAcceptedPrompt && !acceptedPrompt) {
      return out;
    }
    boolean mainStates = reference || opts.treeStates.contains(treeState);
    boolean rlStates = reference || opts.rlTreeStates.contains(treeState);

    boolean[] kept = reference ? clean(preorder) : kept(preorder, opts);
    for (String dataset : opts.datasets) {
      Integer topK = DatasetOptions.topKOf(dataset);
      if (dataset.equals("rl_prompts")) {
        if (rlStates) rl(treeId, root.lang, preorder, kept, out);
      } else if (!mainStates) {
        continue;
      } else if (dataset.equals("sft") || topK != null) {
        if (reference) sftReference(dataset, treeId, root.lang, preorder, topK, kept, out);
        else sftCorrected(dataset, treeId, root.lang, preorder, topK, kept, out);
      } else if (dataset.equals("rm_ranked") || dataset.equals("rm_pairs")) {
        rm(dataset, treeId, root.lang, preorder, kept, reference, opts.rmMaxReplies, out);
      }
    }
    return out;
  }

  /** Reference mode: a thread survives only without deleted and synthetic messages. */
  private static boolean[] clean(List<TreeNode> preorder) {
    boolean[] ok = new boolean[preorder.size()];
    for (TreeNode n : preorder) {
      ok[n.order] = !n.deleted && !n.synthetic && (n.parent == null || ok[n.parent.order]);
    }
    return ok;
  }

  /** Corrected mode: every message of a thread must pass every configured message filter. */
  private static boolean[] kept(List<TreeNode> preorder, DatasetOptions opts) {
    boolean[] ok = new boolean[preorder.size()];
    for (TreeNode n : preorder) {
      boolean own =
          !(opts.dropDeleted && n.deleted)
              && !(opts.dropSynthetic && n.synthetic)
              && n.contentOk
              && reviewOk(n, opts.review);
      ok[n.order] = own && (n.parent == null || ok[n.parent.order]);
    }
    return ok;
  }

  private static boolean reviewOk(TreeNode n, ReviewPolicy policy) {
    switch (policy) {
      case REQUIRE_ACCEPTED:
        return Boolean.TRUE.equals(n.reviewResult);
      case DROP_REJECTED:
        return !Boolean.FALSE.equals(n.reviewResult);
      default:
        return true;
    }
  }

  /**
   * The original's SFT selection: a leaf is an assistant without replies or the first reply of an
   * assistant when that reply is a prompter message without replies (then dropped from the example);
   * the whole thread, the dropped prompter included, must pass the thread filter.
   */
  private static void sftReference(
      String dataset, String treeId, String lang, List<TreeNode> preorder, Integer topK, boolean[] clean, List<Example> out) {
    boolean[] ok = clean;
    if (topK != null) {
      ok = new boolean[preorder.size()];
      for (TreeNode n : preorder) {
        boolean local = true;
        if (n.isAssistant()) {
          if (n.rank == null) local = !(n.parent != null && n.parent.children.size() > 1);
          else local = n.rank < topK;
        }
        ok[n.order] = clean[n.order] && local && (n.parent == null || ok[n.parent.order]);
      }
    }
    int ordinal = 0;
    for (TreeNode n : preorder) {
      if (n.parent == null || !n.children.isEmpty() || !ok[n.order]) continue;
      if (n.isAssistant()) {
        out.add(thread(dataset, treeId, ordinal++, lang, n));
      } else if (n.parent.children.get(0) == n) {
        out.add(thread(dataset, treeId, ordinal++, lang, n.parent));
      }
    }
  }

  /**
   * Corrected SFT: one example per surviving assistant message that no surviving thread continues to
   * a later assistant turn. With top_k, an assistant must be among the k best surviving ranked
   * replies of its parent, or the only surviving reply when unranked.
   */
  private static void sftCorrected(
      String dataset, String treeId, String lang, List<TreeNode> preorder, Integer topK, boolean[] kept, List<Example> out) {
    boolean[] ok = kept;
    if (topK != null) {
      ok = new boolean[preorder.size()];
      for (TreeNode n : preorder) {
        boolean local = true;
        if (kept[n.order] && n.isAssistant() && n.parent != null) {
          if (n.rank == null) {
            local = keptChildren(n.parent, kept).size() <= 1;
          } else {
            local = keptRanked(n.parent, kept).indexOf(n) < topK;
          }
        }
        ok[n.order] = kept[n.order] && local && (n.parent == null || ok[n.parent.order]);
      }
    }
    boolean[] continued = new boolean[preorder.size()];
    for (TreeNode n : preorder) {
      if (!ok[n.order] || !n.isAssistant()) continue;
      // Marking only the nearest assistant ancestor suffices: that one marks its own, and so on up.
      TreeNode up = n.parent;
      while (up != null && !up.isAssistant()) up = up.parent;
      if (up != null) continued[up.order] = true;
    }
    int ordinal = 0;
    for (TreeNode n : preorder) {
      if (ok[n.order] && n.isAssistant() && !continued[n.order] && n.parent != null) {
        out.add(thread(dataset, treeId, ordinal++, lang, n));
      }
    }
  }

  private static List<TreeNode> keptChildren(TreeNode parent, boolean[] kept) {
    List<TreeNode> list = new ArrayList<>();
    for (TreeNode c : parent.children) if (kept[c.order]) list.add(c);
    return list;
  }

  /** Surviving ranked assistant replies, best first. */
  private static List<TreeNode> keptRanked(TreeNode parent, boolean[] kept) {
    List<TreeNode> list = new ArrayList<>();
    for (TreeNode c : parent.children) {
      if (kept[c.order] && c.isAssistant() && c.rank != null) list.add(c);
    }
    return list;
  }

  /**
   * Reward-model examples: a prompter message on a surviving thread with at least two ranked
   * assistant replies. The original counts ranked replies of any state and keeps even deleted ones
   * (reference mode does too); the corrected mode counts and keeps surviving replies only.
   */
  private static void rm(
      String dataset, String treeId, String lang, List<TreeNode> preorder, boolean[] ok, boolean reference, int maxReplies, List<Example> out) {
    int ordinal = 0;
    for (TreeNode n : preorder) {
      if (!n.isPrompter() || !ok[n.order]) continue;
      List<TreeNode> ranked = new ArrayList<>();
      if (reference) {
        int rankedAny = 0;
        for (TreeNode c : n.children) if (c.rank != null) rankedAny++;
        if (rankedAny < 2) continue;
        for (TreeNode c : n.children) if (c.isAssistant() && c.rank != null) ranked.add(c);
      } else {
        ranked = keptRanked(n, ok);
        if (ranked.size() < 2) continue;
      }
      List<TreeNode> best = ranked.subList(0, Math.min(maxReplies, ranked.size()));
      List<Turn> turns = turns(n);
      if (dataset.equals("rm_ranked")) {
        List<Reply> replies = new ArrayList<>();
        for (TreeNode r : best) replies.add(reply(r));
        out.add(new Example(dataset, treeId, ordinal++, lang, turns, replies, null, null));
      } else {
        for (int i = 0; i < best.size(); i++) {
          for (int j = i + 1; j < best.size(); j++) {
            TreeNode better = best.get(i);
            TreeNode worse = best.get(j);
            // Equal ranks say nothing about preference (only malformed data has them).
            if (better.rank < worse.rank) {
              out.add(new Example(dataset, treeId, ordinal++, lang, turns, null, reply(better), reply(worse)));
            }
          }
        }
      }
    }
  }

  private static void rl(String treeId, String lang, List<TreeNode> preorder, boolean[] ok, List<Example> out) {
    int ordinal = 0;
    for (TreeNode n : preorder) {
      if (n.isPrompter() && ok[n.order]) out.add(thread("rl_prompts", treeId, ordinal++, lang, n));
    }
  }

  private static Example thread(String dataset, String treeId, int ordinal, String lang, TreeNode last) {
    return new Example(dataset, treeId, ordinal, lang, turns(last), null, null, null);
  }

  /** The conversation from the root down to {@code last}, read along parent pointers. */
  static List<Turn> turns(TreeNode last) {
    List<Turn> turns = new ArrayList<>();
    for (TreeNode n = last; n != null; n = n.parent) turns.add(new Turn(n.id, n.role, n.text));
    Collections.reverse(turns);
    return turns;
  }

  private static Reply reply(TreeNode n) {
    return new Reply(n.id, n.rank, n.text);
  }
}
