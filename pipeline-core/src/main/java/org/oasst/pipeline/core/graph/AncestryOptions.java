package org.oasst.pipeline.core.graph;

import java.util.List;

/**
 * What {@link GraphLayer#ancestry} computes besides root and depth.
 *
 * @param withPaths whether to build {@code path} (ids from the root down to the node). Paths cost
 *     memory proportional to depth per node: fine for conversation trees, not for a 10,000-deep chain.
 * @param pathColumns input columns whose values are also collected along the path, each into
 *     {@code path_<column>} (only with {@code withPaths})
 * @param markColumn a boolean input column, or null; when set, {@code nearest_marked_ancestor} is the
 *     id of the closest strict ancestor whose mark is true (null if none). Works without paths.
 */
public record AncestryOptions(boolean withPaths, List<String> pathColumns, String markColumn) {
  public AncestryOptions {
    pathColumns = List.copyOf(pathColumns);
    if (!withPaths && !pathColumns.isEmpty()) {
      throw new IllegalArgumentException("path columns need withPaths = true");
    }
  }

  /** Root and depth only. */
  public static AncestryOptions rootsOnly() {
    return new AncestryOptions(false, List.of(), null);
  }

  public static AncestryOptions withPaths(List<String> pathColumns, String markColumn) {
    return new AncestryOptions(true, pathColumns, markColumn);
  }
}
