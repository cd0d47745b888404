package org.oasst.pipeline.toxicity;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * Mid-ranks for pairwise-complete Spearman correlations: for each column X and each partner column Y,
 * the rank of X among the rows of the same scope where X and Y are both present. All columns are
 * ranked together in one distributed sort of their distinct values (the table is melted to
 * (row, column, value) first), not one sort per column or per pair.
 *
 * <p>Distinct values are range-partitioned; each partition's counts are summed on the driver into
 * offsets, so no single task has to hold every value (a global window would).
 */
public final class MidRanks {
  private MidRanks() {}

  public static String rankColumn(String x, String partner) {
    return "r_" + x + "__" + partner;
  }

  /**
   * Adds r_X__Y for every X in {@code partnersByColumn} and each of its partners Y: the mid-rank of X
   * within (scope, X and Y present), centered by subtracting the subset's mean rank (N+1)/2 so that
   * later sums of squares stay small. Null where X is null; not meaningful where Y is null, so
   * consumers check Y themselves.
   */
  public static Dataset<Row> addCenteredRanks(
      Dataset<Row> df, String scopeCol, LinkedHashMap<String, List<String>> partnersByColumn) {
    int parts = Math.max(1, Integer.parseInt(df.sparkSession().conf().get("spark.sql.shuffle.partitions", "8")));
    int k = partnersByColumn.values().stream().mapToInt(List::size).max().orElse(0);
    if (k == 0) return df;

    // Fixed row ids: checkpointed so that the id is the same in every later use of the rows.
    Dataset<Row> rows = df.withColumn("_rid", monotonically_increasing_id()).localCheckpoint(true);

    Dataset<Row> melted = null;
    for (Map.Entry<String, List<String>> e : partnersByColumn.entrySet()) {
      List<Column> sel = new ArrayList<>();
      sel.add(col("_rid"));
      sel.add(col(scopeCol).as("_scope"));
      sel.add(lit(e.getKey()).as("_col"));
      sel.add(col(e.getKey()).cast("double").as("_val"));
      for (int j = 0; j < k; j++) {
        Column ind = j < e.getValue().size() ? when(col(e.getValue().get(j)).isNotNull(), lit(1L)).otherwise(lit(0L)) : lit(0L);
        sel.add(ind.as("i" + j));
      }
      Dataset<Row> part = rows.where(col(e.getKey()).isNotNull()).select(sel.toArray(Column[]::new));
      melted = melted == null ? part : melted.unionByName(part);
    }

    List<Column> counts = new ArrayList<>();
    for (int j = 0; j < k; j++) counts.add(sum(col("i" + j)).as("c" + j));
    // Range bounds are sampled: checkpoint so that partition ids stay fixed for the two uses below.
    Dataset<Row> ranged =
        melted.groupBy(col("_scope"), col("_col"), col("_val"))
            .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new))
            .repartitionByRange(parts, col("_scope"), col("_col"), col("_val"))
            .withColumn("_pid", spark_partition_id())
            .localCheckpoint(true);

    List<Column> totalsAgg = new ArrayList<>();
    for (int j = 0; j < k; j++) totalsAgg.add(sum(col("c" + j)).as("t" + j));
    List<Row> totals =
        ranged.groupBy(col("_pid"), col("_scope"), col("_col"))
            .agg(totalsAgg.get(0), totalsAgg.subList(1, totalsAgg.size()).toArray(Column[]::new))
            .collectAsList();

    // Per (scope, column), partitions in id order follow the value order.
    Map<List<String>, TreeMap<Integer, long[]>> byKey = new HashMap<>();
    for (Row r : totals) {
      long[] t = new long[k];
      for (int j = 0; j < k; j++) t[j] = r.getLong(3 + j);
      byKey.computeIfAbsent(List.of(r.getString(1), r.getString(2)), x -> new TreeMap<>()).put(r.getInt(0), t);
    }
    List<Row> offsetRows = new ArrayList<>();
    for (Map.Entry<List<String>, TreeMap<Integer, long[]>> e : byKey.entrySet()) {
      long[] grand = new long[k];
      for (long[] t : e.getValue().values()) for (int j = 0; j < k; j++) grand[j] += t[j];
      long[] running = new long[k];
      for (Map.Entry<Integer, long[]> p : e.getValue().entrySet()) {
        Object[] vals = new Object[3 + 2 * k];
        vals[0] = p.getKey();
        vals[1] = e.getKey().get(0);
        vals[2] = e.getKey().get(1);
        for (int j = 0; j < k; j++) {
          vals[3 + j] = running[j];
          vals[3 + k + j] = grand[j];
          running[j] += p.getValue()[j];
        }
        offsetRows.add(RowFactory.create(vals));
      }
    }
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("_opid", DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField("_oscope", DataTypes.StringType, false));
    fields.add(DataTypes.createStructField("_ocol", DataTypes.StringType, false));
    for (int j = 0; j < k; j++) fields.add(DataTypes.createStructField("o" + j, DataTypes.LongType, false));
    for (int j = 0; j < k; j++) fields.add(DataTypes.createStructField("n" + j, DataTypes.LongType, false));
    Dataset<Row> offsets = df.sparkSession().createDataFrame(offsetRows, new StructType(fields.toArray(StructField[]::new)));

    WindowSpec before =
        Window.partitionBy(col("_pid"), col("_scope"), col("_col")).orderBy(col("_val"))
            .rowsBetween(Window.unboundedPreceding(), -1);
    Dataset<Row> withOffsets =
        ranged.join(
            org.apache.spark.sql.functions.broadcast(offsets),
            col("_pid").equalTo(col("_opid")).and(col("_scope").equalTo(col("_oscope"))).and(col("_col").equalTo(col("_ocol"))));
    List<Column> distinctRanks = new ArrayList<>();
    distinctRanks.add(col("_scope"));
    distinctRanks.add(col("_col"));
    distinctRanks.add(col("_val"));
    for (int j = 0; j < k; j++) {
      Column c = col("c" + j);
      Column lower = coalesce(sum(c).over(before), lit(0L)).plus(col("o" + j));
      Column mid = lower.plus(c.plus(1).divide(2.0)).minus(col("n" + j).plus(1).divide(2.0));
      distinctRanks.add(mid.cast("double").as("q" + j));
    }
    Dataset<Row> ranks = withOffsets.select(distinctRanks.toArray(Column[]::new));

    // Back to one row per input row: each (row, column) picks up its ranks, then pivot by column.
    Dataset<Row> perRow =
        melted.select(col("_rid"), col("_scope"), col("_col"), col("_val"))
            .join(ranks, scala.collection.JavaConverters.asScalaBuffer(List.of("_scope", "_col", "_val")).toSeq());
    List<Column> pivot = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : partnersByColumn.entrySet())
      for (int j = 0; j < e.getValue().size(); j++)
        pivot.add(first(when(col("_col").equalTo(lit(e.getKey())), col("q" + j)), true).as(rankColumn(e.getKey(), e.getValue().get(j))));
    Dataset<Row> wideRanks =
        perRow.groupBy(col("_rid")).agg(pivot.get(0), pivot.subList(1, pivot.size()).toArray(Column[]::new));
    return rows.join(wideRanks, scala.collection.JavaConverters.asScalaBuffer(List.of("_rid")).toSeq(), "left").drop("_rid");
  }
}
