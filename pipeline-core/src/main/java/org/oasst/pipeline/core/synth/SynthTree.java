package org.oasst.pipeline.core.synth;

/**
 * One generated conversation tree.
 *
 * @param index the tree index it was generated from
 * @param treeId the tree id, equal to the root's message id
 * @param state the tree state
 * @param origin the tree origin (null in published exports)
 * @param root the initial prompt, replies nested and sorted by rank (nulls last)
 * @param messageCount number of nodes in the tree
 * @param unknownKey the tree line carries an extra key unknown to readers
 */
public record SynthTree(
    long index,
    String treeId,
    String state,
    String origin,
    SynthNode root,
    int messageCount,
    boolean unknownKey) {}
