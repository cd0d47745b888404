package org.oasst.pipeline.core.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An order-independent content fingerprint: every row is hashed (xxhash64 over all columns) and the
 * hashes are summed, so the result does not depend on partitioning or row order, and one aggregation
 * yields both the row count and the fingerprint.
 */
public final class Fingerprint {
  private Fingerprint() {}

  public record Result(long rows, String fingerprint) {}

  /** The fingerprint of {@code df}, computed by a job of its own. */
  public static Result of(Dataset<Row> df) {
    Column[] metrics = metrics();
    return result(df.select(rowHash(df).as(ROW_HASH)).agg(metrics[0], metrics[1], metrics[2]).first());
  }

  /**
   * {@code df} unchanged, but with the fingerprint's aggregates observed under {@code name}: whatever
   * action runs it (a write) computes them on the way, so no second pass over the data is needed.
   * The observed row turns into the fingerprint with {@link #result}.
   */
  public static Dataset<Row> observing(Dataset<Row> df, String name) {
    Column[] metrics = metrics();
    return df.withColumn(ROW_HASH, rowHash(df))
        .observe(name, metrics[0], metrics[1], metrics[2])
        .drop(ROW_HASH);
  }

  /** The fingerprint from the row of aggregates that {@link #of} or {@link #observing} computed. */
  public static Result result(Row r) {
    long rows = r.getLong(0);
    long low = r.isNullAt(1) ? 0 : r.getLong(1);
    long high = r.isNullAt(2) ? 0 : r.getLong(2);
    return new Result(rows, String.format("%016x%016x%08x", high, low, rows & 0xFFFFFFFFL));
  }

  private static final String ROW_HASH = "__fingerprint_row_hash";

  private static Column rowHash(Dataset<Row> df) {
    List<Column> hashed = new ArrayList<>();
    for (StructField f : df.schema().fields()) hashed.add(hashable(col("`" + f.name() + "`"), f.dataType()));
    return hashed.isEmpty() ? lit(0L) : xxhash64(hashed.toArray(new Column[0]));
  }

  /**
   * Row count and the sums of the two 32-bit halves of the row hashes, summed separately: each sum
   * fits in a long for any realistic row count, where one 64-bit sum would overflow.
   */
  private static Column[] metrics() {
    return new Column[] {
      count(lit(1)).as("rows"),
      sum(col(ROW_HASH).bitwiseAND(0xFFFFFFFFL)).as("low"),
      sum(shiftrightunsigned(col(ROW_HASH), 32)).as("high")
    };
  }

  private static Column hashable(Column c, DataType type) {
    // Floating-point sums depend on the order Spark adds partitions in: compare doubles with their
    // last bits rounded off so that the same data gives the same fingerprint on any partitioning.
    if (type instanceof DoubleType || type instanceof FloatType) {
      return ROUNDED.apply(c.cast("double"));
    }
    // Spark refuses to hash maps (their entry order is not defined): hash their sorted entries instead.
    // sort_array compares with the type's ordering directly; array_sort calls a comparator lambda
    // through the interpreter, which made the fingerprint of the messages cost half their write.
    if (type instanceof MapType && !containsMap(((MapType) type).valueType())) {
      return sort_array(map_entries(c));
    }
    if (containsMap(type)) return to_json(c);
    return c;
  }

  private static final UserDefinedFunction ROUNDED =
      udf((UDF1<Double, Double>) Fingerprint::roundedMantissa, DataTypes.DoubleType);

  /**
   * {@code d} rounded to nearest on a 40-bit mantissa (about 12 significant decimal digits): values
   * that differ only in the order they were summed in give the same result, except in the rare case
   * where they straddle a rounding boundary. Plain bit arithmetic, so it costs next to nothing per row
   * (formatting every double as text did, on tables with millions of label values).
   */
  static Double roundedMantissa(Double d) {
    if (d == null || d.isNaN() || d.isInfinite()) return d;
    long bits = Double.doubleToLongBits(d);
    long dropped = 12;
    long rounded = (bits + (1L << (dropped - 1))) & -(1L << dropped);
    return Double.longBitsToDouble(rounded);
  }

  private static boolean containsMap(DataType type) {
    if (type instanceof MapType) return true;
    if (type instanceof ArrayType) return containsMap(((ArrayType) type).elementType());
    if (type instanceof StructType) {
      for (StructField f : ((StructType) type).fields()) if (containsMap(f.dataType())) return true;
    }
    return false;
  }
}
