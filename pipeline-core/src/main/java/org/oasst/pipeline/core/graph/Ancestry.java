package org.oasst.pipeline.core.graph;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The result of {@link GraphLayer#ancestry}.
 *
 * <p>{@code nodes} has one row per input node with the columns
 *
 * <ul>
 *   <li>{@code id}
 *   <li>{@code status}: {@value #ROOTED} (the parent chain ends at a node without parent),
 *       {@value #ORPHAN} (it ends at a node whose parent is not among the nodes) or {@value #CYCLE}
 *       (it runs into a cycle)
 *   <li>{@code root_id}: the top of the chain (the root, or for orphans the topmost existing node);
 *       null for cycles
 *   <li>{@code depth}: hops from {@code root_id} (0 for the top itself); null for cycles
 *   <li>{@code on_cycle}: the node itself lies on a cycle (false for nodes that merely hang below one)
 *   <li>{@code cycle_id}, {@code cycle_length}: for {@value #CYCLE} nodes, the smallest id on the cycle
 *       their chain runs into, and its number of nodes; null otherwise
 *   <li>{@code path}, {@code path_<column>}: with paths, arrays from the top down to the node itself;
 *       null for cycles
 *   <li>{@code nearest_marked_ancestor}: with a mark column, as described in {@link AncestryOptions}
 * </ul>
 *
 * @param rounds pointer-jumping rounds over the whole forest (ceil(log2(max depth)) when there is no
 *     cycle; one more when there is)
 * @param cycleRounds extra rounds spent only on the nodes that run into cycles, to find the cycles
 */
public record Ancestry(Dataset<Row> nodes, int rounds, int cycleRounds) {
  public static final String ROOTED = "rooted";
  public static final String ORPHAN = "orphan";
  public static final String CYCLE = "cycle";
}
