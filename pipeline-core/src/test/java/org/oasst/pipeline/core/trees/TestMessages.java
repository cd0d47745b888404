package org.oasst.pipeline.core.trees;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Hand-made rows of the {@code messages} table for tests.
 */
public final class TestMessages {
  private TestMessages() {}

  private static final Instant BASE = Instant.parse("2023-02-01T00:00:00Z");

  /** One message; every field settable, sensible defaults for the rest. */
  public static final class M {
    public String id;
    public String parent;
    public String treeId;
    public String treeState = "ready_for_export";
    public String userId = "u1";
    public Timestamp created;
    public String text = "text";
    public String role;
    public String lang = "en";
    public Integer reviewCount = 0;
    public Boolean reviewResult = null;
    public Boolean deleted = false;
    public Integer rank = null;
    public Boolean synthetic = false;
    public Map<String, Integer> emojis = null;
    public Map<String, Row> labels = null;

    public M tree(String t) { treeId = t; return this; }
    public M state(String s) { treeState = s; return this; }
    public M user(String u) { userId = u; return this; }
    public M at(long minutes) { created = Timestamp.from(BASE.plusSeconds(60 * minutes)); return this; }
    public M lang(String l) { lang = l; return this; }
    public M rank(Integer r) { rank = r; return this; }
    public M deleted(boolean d) { deleted = d; return this; }
    public M synthetic(boolean s) { synthetic = s; return this; }
    public M review(int count, Boolean result) { reviewCount = count; reviewResult = result; return this; }

    public M label(String name, double value, int count) {
      if (labels == null) labels = new LinkedHashMap<>();
      labels.put(name, RowFactory.create(value, count));
      return this;
    }

    public Row toRow(long line) {
      return RowFactory.create(
          id, parent, treeId, treeState, userId, created, text, role, lang, reviewCount, reviewResult,
          deleted, rank, synthetic, null, emojis, labels, null, null, null, "test", "test", line, null);
    }
  }

  public static M msg(String id, String parent, String role) {
    M m = new M();
    m.id = id;
    m.parent = parent;
    m.role = role;
    m.at(0);
    return m;
  }

  public static M prompter(String id, String parent) {
    return msg(id, parent, Tables.PROMPTER);
  }

  public static M assistant(String id, String parent) {
    return msg(id, parent, Tables.ASSISTANT);
  }

  public static Dataset<Row> frame(SparkSession spark, List<M> messages) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) rows.add(messages.get(i).toRow(i + 1));
    return spark.createDataFrame(rows, Tables.MESSAGES);
  }
}
