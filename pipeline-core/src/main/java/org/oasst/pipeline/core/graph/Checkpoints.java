package org.oasst.pipeline.core.graph;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.LogicalRDD;

/** Local checkpoints ({@code Dataset.localCheckpoint}) hold their rows as blocks until freed here. */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * Frees the blocks of a locally checkpointed Dataset once nothing needs it any more
   * ({@code unpersist} does not: the checkpoint is not in Spark's cache).
   */
  public static void release(Dataset<Row> checkpointed) {
    LogicalPlan plan = checkpointed.queryExecution().logical();
    if (plan instanceof LogicalRDD rdd) rdd.rdd().unpersist(false);
  }
}
