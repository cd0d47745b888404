package org.oasst.pipeline.datasets;

import java.util.List;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * One training example as the tree walk produces it, before it is given a concrete output format.
 * {@code turns} is the conversation (SFT: ending with an assistant turn; RM and RL: ending with the
 * prompter message being answered). {@code replies} is set for rm_ranked, {@code chosen} and
 * {@code rejected} for rm_pairs.
 */
public record Example(
    String dataset,
    String treeId,
    int ordinal,
    String lang,
    List<Turn> turns,
    List<Reply> replies,
    Reply chosen,
    Reply rejected) {

  public record Turn(String messageId, String role, UTF8String content) {}

  public record Reply(String messageId, Integer rank, UTF8String content) {}

  /** The message ids of the turns, root first (handy in tests). */
  public List<String> turnIds() {
    return turns.stream().map(Turn::messageId).toList();
  }
}
