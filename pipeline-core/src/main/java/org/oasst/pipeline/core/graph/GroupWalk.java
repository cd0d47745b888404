package org.oasst.pipeline.core.graph;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A walk over groups of rows that share a key (a tree's messages): one shuffle by the key, each
 * partition sorted by it, then every group handed to the walk as Spark's internal rows, and the rows
 * the walks return made into a DataFrame. Unlike {@code groupByKey}/{@code flatMapGroups}, no column
 * is converted to or from {@code Row} objects: for walks that read a dozen columns and write a few
 * dozen, those conversions cost more than the walks themselves.
 */
public final class GroupWalk {
  private GroupWalk() {}

  /** The walk of one group. */
  @FunctionalInterface
  public interface Walk extends Serializable {
    /**
     * @param key the group's key, null for the rows without one (they form one group)
     * @param group the group's rows in the input's schema, in no particular order (copies: they may be
     *     kept)
     * @return rows in the output schema, with Spark's internal values ({@code UTF8String},
     *     {@code ArrayData}, {@code InternalRow} for structs, microseconds for timestamps)
     */
    List<InternalRow> walk(UTF8String key, List<InternalRow> group);
  }

  /** The rows every group's walk returns, with {@code output} as their schema. */
  public static Dataset<Row> run(Dataset<Row> rows, String keyColumn, StructType output, Walk walk) {
    int key = rows.schema().fieldIndex(keyColumn);
    Dataset<Row> sorted = rows.repartition(col(keyColumn)).sortWithinPartitions(col(keyColumn));
    RDD<InternalRow> walked =
        sorted.queryExecution().toRdd().toJavaRDD().mapPartitions(partition -> walkAll(partition, key, walk)).rdd();
    // The scan of these rows converts them to Spark's binary row format.
    return rows.sparkSession().internalCreateDataFrame(walked, output, false);
  }

  /** Rows sorted by the key, cut into groups, each group's walk output in turn. */
  static Iterator<InternalRow> walkAll(Iterator<InternalRow> sorted, int key, Walk walk) {
    return new Iterator<>() {
      // the sorter reuses its rows: every row kept is a copy
      private InternalRow next = sorted.hasNext() ? sorted.next().copy() : null;
      private Iterator<InternalRow> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && next != null) {
          UTF8String groupKey = keyOf(next, key);
          List<InternalRow> group = new ArrayList<>();
          group.add(next);
          next = null;
          while (sorted.hasNext()) {
            InternalRow r = sorted.next();
            if (!Objects.equals(keyOf(r, key), groupKey)) {
              next = r.copy();
              break;
            }
            group.add(r.copy());
          }
          current = walk.walk(groupKey, group).iterator();
        }
        return current.hasNext();
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        return current.next();
      }
    };
  }

  private static UTF8String keyOf(InternalRow row, int key) {
    return row.isNullAt(key) ? null : row.getUTF8String(key);
  }
}
