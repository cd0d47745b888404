package org.oasst.pipeline.core.io;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.shiftrightunsigned;
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

  public static Result of(Dataset<Row> df) {
    List<Column> hashed = new ArrayList<>();
    for (StructField f : df.schema().fields()) hashed.add(hashable(col("`" + f.name() + "`"), f.dataType()));
    // Spark refuses to hash maps (their entry order is not defined): hash their sorted entries instead.
    Column rowHash = hashed.isEmpty() ? lit(0L) : xxhash64(hashed.toArray(new Column[0]));
    // Sum the two 32-bit halves separately: each sum fits in a long for any realistic row count,
    // where one 64-bit sum would overflow.
    Row r =
        df.select(rowHash.as("h"))
            .agg(
                count(lit(1)),
                sum(col("h").bitwiseAND(0xFFFFFFFFL)),
                sum(shiftrightunsigned(col("h"), 32)))
            .first();
    long rows = r.getLong(0);
    long low = r.isNullAt(1) ? 0 : r.getLong(1);
    long high = r.isNullAt(2) ? 0 : r.getLong(2);
    return new Result(rows, String.format("%016x%016x%08x", high, low, rows & 0xFFFFFFFFL));
  }

  private static Column hashable(Column c, DataType type) {
    // Floating-point sums depend on the order Spark adds partitions in: compare doubles with their
    // last bits rounded off so that the same data gives the same fingerprint on any partitioning.
    if (type instanceof DoubleType || type instanceof FloatType) {
      return ROUNDED.apply(c.cast("double"));
    }
    if (type instanceof MapType && !containsMap(((MapType) type).valueType())) {
      return array_sort(map_entries(c));
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
