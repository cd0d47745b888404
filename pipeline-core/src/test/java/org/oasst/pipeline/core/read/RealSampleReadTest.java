package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;

class RealSampleReadTest {

  @Test
  void openpawsTreesFile() {
    IngestResult r =
        OasstReader.read(
            TestSpark.get(), List.of(TestSpark.realSample(TestSpark.OPENPAWS).toString()), ReadOptions.defaults());
    try {
      Map<String, Object> t = r.totals();
      assertEquals(551L, t.get("lines_read"));
      assertEquals(551L, t.get("lines_accepted"));
      assertEquals(0L, t.get("lines_quarantined"));
      assertEquals(551L, t.get("trees_read"));
      assertEquals(31L, t.get("duplicate_trees_collapsed"));
      assertEquals(1552L, t.get("messages_parsed"));
      assertEquals(52L, t.get("duplicate_messages_collapsed"));
      assertEquals(0L, t.get("conflicting_messages_quarantined"));
      assertEquals(1500L, r.messages().count());
      assertEquals(1500L, r.messages().select("message_id").distinct().count());
      assertEquals(0L, r.quarantine().count());
      assertTrue(r.unknownKeys().get("CRITERIA") > 0, r.unknownKeys().toString());
      assertEquals(List.of("trees"), r.inputs().get(0).get("formats"));
      assertEquals(3255529L, r.inputs().get(0).get("size_bytes"));
      // Every message carries its tree's id and state, though the nodes of a trees file do not.
      assertEquals(0L, r.messages().filter("message_tree_id is null or tree_state is null").count());
      Row root =
          r.messages().filter("message_id = 'a52f790d-6a8d-4b73-b79f-3da1be7f6724'").first();
      assertEquals("growing", root.getAs("tree_state"));
      assertEquals("2023-02-12T19:06:16.233571Z", root.getAs("created_date").toString().isEmpty() ? "" :
          ((java.sql.Timestamp) root.getAs("created_date")).toInstant().toString());
    } finally {
      r.release();
    }
  }

  @Test
  void en100TreesFile() {
    IngestResult r =
        OasstReader.read(
            TestSpark.get(), List.of(TestSpark.realSample(TestSpark.EN_100).toString()), ReadOptions.defaults());
    try {
      assertEquals(100L, r.totals().get("trees_read"));
      assertEquals(1167L, r.totals().get("messages_distinct"));
      assertEquals(1167L, r.messages().count());
      assertEquals(0L, r.quarantine().count());
    } finally {
      r.release();
    }
  }
}
