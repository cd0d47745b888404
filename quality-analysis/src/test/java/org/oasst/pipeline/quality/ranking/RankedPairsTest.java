package org.oasst.pipeline.quality.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;

/** The worked cases of reference 4.4. */
class RankedPairsTest {
  private static List<String> r(String order) {
    return List.of(order.split(""));
  }

  private static List<List<String>> times(int n, String order) {
    return Collections.nCopies(n, r(order));
  }

  @Test
  void wikipediaStyleElection() {
    List<List<String>> rankings = new ArrayList<>();
    rankings.addAll(times(3, "wxzy"));
    rankings.addAll(times(2, "wyxz"));
    rankings.addAll(times(4, "xyzw"));
    rankings.addAll(times(5, "xzwy"));
    rankings.addAll(times(1, "ywxz"));
    assertEquals(r("xzwy"), RankedPairs.merge(rankings));
  }

  @Test
  void tieGoesToTheSmallerIdInEitherInputOrder() {
    assertEquals(r("ab"), RankedPairs.merge(List.of(r("ab"), r("ba"))));
    assertEquals(r("ab"), RankedPairs.merge(List.of(r("ba"), r("ab"))));
  }

  @Test
  void cycle() {
    assertEquals(r("abc"), RankedPairs.merge(List.of(r("abc"), r("bca"), r("cab"))));
  }

  @Test
  void opposingRankings() {
    assertEquals(r("abc"), RankedPairs.merge(List.of(r("cba"), r("abc"))));
  }

  @Test
  void singleRankingIsKept() {
    assertEquals(r("bca"), RankedPairs.merge(List.of(r("bca"))));
  }

  @Test
  void fiveItemsThreeRankings() {
    assertEquals(r("ceadb"), RankedPairs.merge(List.of(r("edcba"), r("abcde"), r("ceadb"))));
  }

  @Test
  void onlyIdsCommonToEveryRankingCount() {
    // d is missing from the second ranking, so it is dropped; fewer than 2 common ids: no ranks.
    assertEquals(r("ba"), RankedPairs.merge(List.of(r("bad"), r("ba"))));
    assertEquals(List.of(), RankedPairs.merge(List.of(r("ab"), r("bc"))));
    assertEquals(List.of(), RankedPairs.merge(List.of()));
  }

  @Test
  void idsCompareAsPlainStrings() {
    // "10" < "9" as strings: the tie goes to "10".
    assertEquals(List.of("10", "9"), RankedPairs.merge(List.of(List.of("9", "10"), List.of("10", "9"))));
  }

  @Test
  void duplicateIdInARankingIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> RankedPairs.merge(List.of(r("aba"))));
  }

  @Test
  void consensusAsDataFrame() {
    StructType schema =
        new StructType()
            .add("parent_id", DataTypes.StringType)
            .add("ranking", DataTypes.createArrayType(DataTypes.StringType));
    List<Row> rows = new ArrayList<>();
    for (String order : List.of("cab", "abc", "bca")) rows.add(RowFactory.create("p1", r(order).toArray(String[]::new)));
    rows.add(RowFactory.create("p2", new String[] {"e", "d"}));
    rows.add(RowFactory.create("p3", new String[] {"x", "y"}));
    rows.add(RowFactory.create("p3", new String[] {"z", "y"}));
    Dataset<Row> df = TestSpark.get().createDataFrame(rows, schema);
    Map<String, Integer> got = new TreeMap<>();
    for (Row row : RankStats.consensus(df).collectAsList())
      got.put(row.getString(0) + "/" + row.getString(1), row.getInt(2));
    assertEquals(Map.of("p1/a", 0, "p1/b", 1, "p1/c", 2, "p2/e", 0, "p2/d", 1), got);
  }
}
