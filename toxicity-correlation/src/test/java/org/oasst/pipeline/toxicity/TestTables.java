package org.oasst.pipeline.toxicity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.schema.Tables;

/** Builds messages tables (exact {@link Tables#MESSAGES} shape) from a few fields per message. */
final class TestTables {
  private TestTables() {}

  static final class Msg {
    String id;
    String tree;
    String treeState = "ready_for_export";
    String lang = "en";
    Boolean deleted = false;
    Boolean reviewResult = true;
    String text = "hello";
    double[] detox; // 7 values or null
    Map<String, Double> labels = new HashMap<>();

    Msg(String id, String tree) {
      this.id = id;
      this.tree = tree;
    }
  }

  static Dataset<Row> messages(List<Msg> msgs) {
    List<Row> rows = new ArrayList<>();
    long line = 0;
    for (Msg m : msgs) {
      Row detox = null;
      if (m.detox != null) {
        Object[] d = new Object[7];
        for (int i = 0; i < 7; i++) d[i] = m.detox[i];
        detox = RowFactory.create(d);
      }
      Map<String, Row> labels = new HashMap<>();
      m.labels.forEach((k, v) -> labels.put(k, RowFactory.create(v, 3)));
      rows.add(
          RowFactory.create(
              m.id, m.id.equals(m.tree) ? null : m.tree, m.tree, m.treeState, "u1", null, m.text,
              m.id.equals(m.tree) ? "prompter" : "assistant", m.lang, 3, m.reviewResult, m.deleted, null,
              false, null, null, labels,
              detox, null, null, "test", "test", line++, null));
    }
    return TestSpark.get().createDataFrame(rows, Tables.MESSAGES);
  }
}
