package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.Test;

class SpreadSummaryTest {

  @Test
  void hashesFindARepeatExactlyWhenAValueWasAddedTwice() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      SpreadSummary.Hashes hashes = new SpreadSummary.Hashes();
      Set<Long> distinct = new HashSet<>();
      boolean repeated = false;
      int n = random.nextInt(5000); // past the first growth of the array
      for (int i = 0; i < n; i++) {
        // a narrow range in some rounds, so that values repeat; 0 must count like any value
        long v = round % 3 == 0 ? random.nextInt(20_000) : random.nextLong();
        if (round % 7 == 0 && i % 100 == 0) v = 0L;
        repeated |= !distinct.add(v);
        hashes.add(v);
      }
      assertEquals(repeated, hashes.hasRepeat(), "round " + round);
    }
  }

  @Test
  void aPartitionReportsItsRepeatsCountsAndStatistics() {
    List<InternalRow> rows =
        List.of(
            row(RawRecords.KIND_MESSAGE, "m1"),
            row(RawRecords.KIND_MESSAGE, "m2"),
            row(RawRecords.KIND_TREE, "m1"), // a tree id equal to a message id is no repeat
            row(RawRecords.KIND_QUARANTINE, "f:3"),
            fileRow("{\"path\":\"f\"}"));
    SpreadSummary once = SpreadSummary.of(rows.iterator());
    assertFalse(once.maybeRepeatedIds);
    assertEquals(1, once.quarantinedRows);
    assertEquals(List.of("{\"path\":\"f\"}"), once.fileStats);

    SpreadSummary repeated =
        SpreadSummary.of(List.of(row(RawRecords.KIND_TREE, "t1"), row(RawRecords.KIND_TREE, "t1")).iterator());
    assertTrue(repeated.maybeRepeatedIds);
    SpreadSummary merged = once.merge(repeated);
    assertTrue(merged.maybeRepeatedIds);
    assertEquals(1, merged.quarantinedRows);
    assertEquals(1, merged.fileStats.size());
  }

  @Test
  void summarizingWhileHandingRowsOnGivesTheSameSummaryOnceTheRowsRunOut() {
    List<InternalRow> rows =
        List.of(
            row(RawRecords.KIND_MESSAGE, "m1"),
            row(RawRecords.KIND_QUARANTINE, "f:2"),
            row(RawRecords.KIND_MESSAGE, "m1"),
            fileRow("{\"path\":\"f\"}"));
    List<SpreadSummary> reported = new java.util.ArrayList<>();
    java.util.Iterator<InternalRow> handedOn = SpreadSummary.observing(rows.iterator(), reported::add);
    List<InternalRow> seen = new java.util.ArrayList<>();
    while (handedOn.hasNext()) {
      assertTrue(reported.isEmpty(), "reported before the last row was taken");
      seen.add(handedOn.next());
    }
    assertFalse(handedOn.hasNext());
    assertEquals(rows, seen);
    assertEquals(1, reported.size(), "reported exactly once");
    SpreadSummary direct = SpreadSummary.of(rows.iterator());
    assertTrue(reported.get(0).maybeRepeatedIds);
    assertEquals(direct.maybeRepeatedIds, reported.get(0).maybeRepeatedIds);
    assertEquals(direct.quarantinedRows, reported.get(0).quarantinedRows);
    assertEquals(direct.fileStats, reported.get(0).fileStats);
  }

  private static InternalRow row(String kind, String key) {
    Object[] v = new Object[RawRecords.WIDTH];
    v[RawRecords.KIND] = kind;
    v[RawRecords.PART_KEY] = key;
    return RawRecords.row(v);
  }

  private static InternalRow fileRow(String stats) {
    Object[] v = new Object[RawRecords.WIDTH];
    v[RawRecords.KIND] = RawRecords.KIND_FILE;
    v[RawRecords.PART_KEY] = "F:f";
    v[RawRecords.STATS] = stats;
    return RawRecords.row(v);
  }
}
