package org.oasst.pipeline.core.graph;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The few graph operations the pipeline needs, over DataFrames. Everything graph-shaped in the
 * project goes through this interface, so another engine (GraphFrames where it is available) can
 * replace the default implementation without touching the callers.
 */
public interface GraphLayer {

  /**
   * For every node of a forest given by parent pointers: its root, its distance from the root, and
   * (on request) the path from the root. {@code nodes} must have the columns {@code id} and
   * {@code parent_id} (both strings, {@code id} unique and non-null) plus any columns named in the
   * options. See {@link Ancestry} for the result and for how orphans and cycles come out.
   */
  Ancestry ancestry(Dataset<Row> nodes, AncestryOptions options);

  /**
   * Connected components of an undirected graph. {@code vertices}: column {@code id} (string);
   * {@code edges}: columns {@code src}, {@code dst} (strings, both among the vertices). Returns
   * {@code id, component}, where {@code component} is the smallest id of the vertex's component.
   */
  Dataset<Row> connectedComponents(Dataset<Row> vertices, Dataset<Row> edges);

  /** The default implementation: DataFrame pointer jumping plus Spark GraphX. */
  static GraphLayer spark() {
    return new SparkGraphLayer();
  }
}
