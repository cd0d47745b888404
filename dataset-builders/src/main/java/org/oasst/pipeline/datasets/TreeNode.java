package org.oasst.pipeline.datasets;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.unsafe.types.UTF8String;

/** One message of a tree as the walk needs it: plain fields, parent and ordered children. */
public final class TreeNode {
  public final String id;
  public final String parentId;
  public final String role;
  /** Only passed on into the examples: kept in Spark's UTF-8 form. */
  public final UTF8String text;
  public final String lang;
  public final Boolean reviewResult;
  public final boolean deleted;
  public final boolean synthetic;
  public final Integer rank;
  /** Position among the parent's replies in the source (trees format), when the input carries it. */
  public final Integer siblingIndex;
  /** created_date in microseconds, null when unknown. */
  public final Long created;
  /** Passes the per-message content filters (minimum label means, maximum toxicity). */
  public final boolean contentOk;

  TreeNode parent;
  final List<TreeNode> children = new ArrayList<>();
  /** Position in the tree's depth-first pre-order (parents before children), set when linked. */
  int order = -1;

  public TreeNode(
      String id,
      String parentId,
      String role,
      UTF8String text,
      String lang,
      Boolean reviewResult,
      boolean deleted,
      boolean synthetic,
      Integer rank,
      Integer siblingIndex,
      Long created,
      boolean contentOk) {
    this.id = id;
    this.parentId = parentId;
    this.role = role;
    this.text = text;
    this.lang = lang;
    this.reviewResult = reviewResult;
    this.deleted = deleted;
    this.synthetic = synthetic;
    this.rank = rank;
    this.siblingIndex = siblingIndex;
    this.created = created;
    this.contentOk = contentOk;
  }

  /** Shorthand for hand-made trees in tests and examples. */
  public static TreeNode of(String id, String parentId, String role, Integer rank) {
    return new TreeNode(id, parentId, role, UTF8String.fromString("text of " + id), "en", true, false, false, rank, null, null, true);
  }

  public boolean isPrompter() {
    return "prompter".equals(role);
  }

  public boolean isAssistant() {
    return "assistant".equals(role);
  }

  public List<TreeNode> children() {
    return children;
  }

  public TreeNode parent() {
    return parent;
  }

  /**
   * The order of replies in the official trees export: by rank with unranked last; among equals the
   * source order where known, else creation time, else id (so the order is total and repeatable).
   */
  static final Comparator<TreeNode> REPLY_ORDER =
      Comparator.comparing((TreeNode n) -> n.rank, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(n -> n.siblingIndex, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(n -> n.created, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(n -> n.id);
}
