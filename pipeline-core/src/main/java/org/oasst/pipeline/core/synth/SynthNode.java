package org.oasst.pipeline.core.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * One generated message with its replies. Plain mutable fields: a node lives only while its tree is
 * generated and written. The hidden fields ({@link #hiddenToxicity}, {@link #hiddenQuality}) are the
 * ground truth that drives the observable ones; they are never written.
 */
public final class SynthNode {
  public String messageId;
  public String parentId;
  public String userId;
  /** Microseconds since the epoch, UTC. */
  public long createdMicros;

  public String text;
  public boolean assistant;
  public String lang;
  public int reviewCount;
  /** null while undecided (review_count <= 2). */
  public Boolean reviewResult;

  public boolean deleted;
  public Integer rank;
  public boolean synthetic;
  public String modelName;
  /** Emoji names and counts (parallel), null when the message has none. */
  public String[] emojiNames;

  public int[] emojiCounts;
  /** Label names, mean values and vote counts (parallel), null when never reviewed. */
  public String[] labelNames;

  public double[] labelValues;
  public int[] labelCounts;
  /** The 7 Detoxify scores in {@code Tables.DETOXIFY_CATEGORIES} order, or null. */
  public double[] detoxify;
  /** When set, this node carries an extra key unknown to readers. */
  public boolean unknownKey;

  public int depth;
  public double hiddenToxicity;
  public double hiddenQuality;
  /** 0 generic insult, 1 hate, 2 sexual, 3 violent: which kind of toxicity, if any. */
  public int hiddenFlavor;

  public final List<SynthNode> replies = new ArrayList<>(3);

  public String role() {
    return assistant ? "assistant" : "prompter";
  }
}
