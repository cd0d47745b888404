package org.oasst.pipeline.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;

class GroupWalkTest {
  private final SparkSession spark = TestSpark.get();

  private static final StructType INPUT =
      new StructType().add("value", DataTypes.IntegerType).add("key", DataTypes.StringType);
  private static final StructType OUTPUT =
      new StructType()
          .add("key", DataTypes.StringType)
          .add("rows", DataTypes.IntegerType)
          .add("sum", DataTypes.LongType);

  @Test
  void everyGroupIsWalkedOnceWithAllItsRowsAndNullKeysFormOneGroup() {
    Random random = new Random(3);
    List<Row> rows = new ArrayList<>();
    Map<String, long[]> expected = new TreeMap<>();
    for (int i = 0; i < 2000; i++) {
      // a few large groups, many single rows, and rows without a key
      String key = random.nextInt(10) == 0 ? null : random.nextBoolean() ? "k" + random.nextInt(5) : "s" + i;
      int value = random.nextInt(1000);
      rows.add(RowFactory.create(value, key));
      long[] e = expected.computeIfAbsent(String.valueOf(key), k -> new long[2]);
      e[0]++;
      e[1] += value;
    }
    Dataset<Row> input = spark.createDataFrame(rows, INPUT).repartition(3);
    Dataset<Row> walked =
        GroupWalk.run(input, "key", OUTPUT, (key, group) -> {
          long sum = 0;
          for (InternalRow r : group) sum += r.getInt(0);
          // the rows are copies: still intact after the whole group was read
          for (InternalRow r : group) assertEquals(key, r.isNullAt(1) ? null : r.getUTF8String(1));
          return List.of(new GenericInternalRow(new Object[] {key, group.size(), sum}));
        });
    Map<String, long[]> got = new TreeMap<>();
    for (Row r : walked.collectAsList()) {
      long[] previous = got.put(String.valueOf(r.getString(0)), new long[] {r.getInt(1), r.getLong(2)});
      assertEquals(null, previous, "group walked twice: " + r);
    }
    assertEquals(expected.keySet(), got.keySet());
    for (String k : expected.keySet()) {
      assertEquals(expected.get(k)[0], got.get(k)[0], k);
      assertEquals(expected.get(k)[1], got.get(k)[1], k);
    }
  }

  @Test
  void aWalkMayReturnNothingOrManyRowsAndAnEmptyInputGivesNothing() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) rows.add(RowFactory.create(i, "g" + (i % 5)));
    Dataset<Row> input = spark.createDataFrame(rows, INPUT);
    GroupWalk.Walk oddGroupsTwice = (key, group) -> {
      int g = Integer.parseInt(key.toString().substring(1));
      if (g % 2 == 0) return List.of();
      InternalRow row = new GenericInternalRow(new Object[] {key, group.size(), 0L});
      return List.of(row, row);
    };
    assertEquals(4L, GroupWalk.run(input, "key", OUTPUT, oddGroupsTwice).count());
    assertEquals(0L, GroupWalk.run(input.limit(0), "key", OUTPUT, oddGroupsTwice).count());
    assertEquals("g1", GroupWalk.run(input, "key", OUTPUT, oddGroupsTwice).orderBy("key").first().getString(0));
  }
}
