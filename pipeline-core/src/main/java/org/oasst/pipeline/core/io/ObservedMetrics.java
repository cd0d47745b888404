package org.oasst.pipeline.core.io;

import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import scala.Option;

/**
 * Receives the metrics that {@code Dataset.observe} collects during a query, by observation name.
 *
 * <p>Spark hands them to query listeners on its listener bus, shortly after the action returns;
 * {@link #await} waits for them with a limit, where Spark's own {@code Observation.get} would wait
 * forever if they never came.
 */
final class ObservedMetrics implements QueryExecutionListener, AutoCloseable {
  private final SparkSession spark;
  private final String name;
  private volatile Row metrics;

  /** Starts listening for the observation {@code name}; close when done. */
  ObservedMetrics(SparkSession spark, String name) {
    this.spark = spark;
    this.name = name;
    spark.listenerManager().register(this);
  }

  @Override
  public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
    Option<Row> observed = qe.observedMetrics().get(name);
    if (observed.isDefined()) {
      synchronized (this) {
        metrics = observed.get();
        notifyAll();
      }
    }
  }

  @Override
  public void onFailure(String funcName, QueryExecution qe, Exception exception) {
    // a failed write throws to its caller; nothing to wait for
  }

  /** The observed row, or null if it has not arrived within {@code timeoutMillis}. */
  synchronized Row await(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (metrics == null) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) return null;
      wait(left);
    }
    return metrics;
  }

  @Override
  public void close() {
    spark.listenerManager().unregister(this);
  }
}
