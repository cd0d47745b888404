package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Mid-ranks of one column, computed with one sort of its distinct values, for several row subsets at
 * once: for each partner column Y the rank of X among the rows of the same scope where X and Y are
 * both present. That is exactly the ranking a pairwise-complete Spearman correlation needs, without
 * one sort per pair.
 *
 * <p>The sort is distributed: distinct values are range-partitioned, each partition counts its
 * rows, and the driver turns the per-partition counts into offsets, so no single task has to hold
 * every value (a global window would).
 */
public final class MidRanks {
  private MidRanks() {}

  public static String rankColumn(String x, String partner) {
    return "r_" + x + "__" + partner;
  }

  /**
   * Adds r_X__Y for every partner Y: the mid-rank of X within (scope, X and Y present), centered by
   * subtracting the subset's mean rank (N+1)/2 so that later sums of squares stay small. Null where
   * X is null; meaningless (but not null) where Y is null, so consumers must check Y themselves.
   */
  public static Dataset<Row> addCenteredRanks(
      Dataset<Row> df, String scopeCol, String x, List<String> partners) {
    int parts = Math.max(1, Integer.parseInt(df.sparkSession().conf().get("spark.sql.shuffle.partitions", "8")));
    List<Column> counts = new ArrayList<>();
    for (int j = 0; j < partners.size(); j++)
      counts.add(sum(when(col(partners.get(j)).isNotNull(), lit(1L)).otherwise(lit(0L))).as("c" + j));
    Dataset<Row> distinct =
        df.where(col(x).isNotNull())
            .groupBy(col(scopeCol), col(x))
            .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new));
    // Checkpoint so that the range bounds (sampled) and hence the partition ids are fixed for the
    // two uses below.
    Dataset<Row> ranged =
        distinct.repartitionByRange(parts, col(scopeCol), col(x)).localCheckpoint(true)
            .withColumn("_pid", spark_partition_id());
    ranged = ranged.localCheckpoint(true);

    List<Column> totalsAgg = new ArrayList<>();
    for (int j = 0; j < partners.size(); j++) totalsAgg.add(sum(col("c" + j)).as("t" + j));
    List<Row> totals =
        ranged.groupBy(col("_pid"), col(scopeCol))
            .agg(totalsAgg.get(0), totalsAgg.subList(1, totalsAgg.size()).toArray(Column[]::new))
            .collectAsList();

    // Per scope, partitions in id order follow the value order (range partitioning on scope, x).
    Map<String, TreeMap<Integer, long[]>> byScope = new HashMap<>();
    for (Row r : totals) {
      long[] t = new long[partners.size()];
      for (int j = 0; j < t.length; j++) t[j] = r.getLong(2 + j);
      byScope.computeIfAbsent(r.getString(1), k -> new TreeMap<>()).put(r.getInt(0), t);
    }
    List<Row> offsetRows = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Integer, long[]>> e : byScope.entrySet()) {
      long[] grand = new long[partners.size()];
      for (long[] t : e.getValue().values()) for (int j = 0; j < t.length; j++) grand[j] += t[j];
      long[] running = new long[partners.size()];
      for (Map.Entry<Integer, long[]> p : e.getValue().entrySet()) {
        Object[] vals = new Object[2 + 2 * partners.size()];
        vals[0] = p.getKey();
        vals[1] = e.getKey();
        for (int j = 0; j < partners.size(); j++) {
          vals[2 + j] = running[j];
          vals[2 + partners.size() + j] = grand[j];
          running[j] += p.getValue()[j];
        }
        offsetRows.add(RowFactory.create(vals));
      }
    }
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("_opid", DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField("_scope", DataTypes.StringType, false));
    for (int j = 0; j < partners.size(); j++) fields.add(DataTypes.createStructField("o" + j, DataTypes.LongType, false));
    for (int j = 0; j < partners.size(); j++) fields.add(DataTypes.createStructField("n" + j, DataTypes.LongType, false));
    Dataset<Row> offsets = df.sparkSession().createDataFrame(offsetRows, new StructType(fields.toArray(StructField[]::new)));

    WindowSpec before =
        Window.partitionBy(col("_pid"), col(scopeCol)).orderBy(col(x)).rowsBetween(Window.unboundedPreceding(), -1);
    Dataset<Row> withOffsets =
        ranged.join(org.apache.spark.sql.functions.broadcast(offsets),
            ranged.col("_pid").equalTo(offsets.col("_opid")).and(ranged.col(scopeCol).equalTo(offsets.col("_scope"))));
    List<Column> out = new ArrayList<>();
    out.add(ranged.col(scopeCol).as(scopeCol));
    out.add(ranged.col(x).as(x));
    for (int j = 0; j < partners.size(); j++) {
      Column c = col("c" + j);
      Column lower = coalesce(sum(c).over(before), lit(0L)).plus(col("o" + j));
      Column mid = lower.plus(c.plus(1).divide(2.0)).minus(col("n" + j).plus(1).divide(2.0));
      out.add(mid.cast("double").as(rankColumn(x, partners.get(j))));
    }
    Dataset<Row> ranks = withOffsets.select(out.toArray(Column[]::new));
    return df.join(ranks, scala.collection.JavaConverters.asScalaBuffer(List.of(scopeCol, x)).toSeq(), "left");
  }
}
