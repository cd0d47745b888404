package org.oasst.pipeline.quality;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.schema.Tables;

/** Builds hand-made rows of the normalized messages table (Tables.MESSAGES) for tests. */
public final class Msg {
  String id;
  String parent;
  String tree;
  String treeState = "ready_for_export";
  String user;
  Instant created;
  String role = Tables.PROMPTER;
  String lang = "en";
  Integer reviewCount;
  Boolean reviewResult;
  Boolean deleted = false;
  Integer rank;
  Map<String, Integer> emojis;
  Map<String, Row> labels;

  public static Msg prompt(String id, String user) {
    Msg m = new Msg();
    m.id = id;
    m.tree = id;
    m.user = user;
    return m;
  }

  public static Msg reply(String id, Msg parent, String user) {
    Msg m = new Msg();
    m.id = id;
    m.parent = parent.id;
    m.tree = parent.tree;
    m.treeState = parent.treeState;
    m.user = user;
    m.lang = parent.lang;
    m.role = Tables.PROMPTER.equals(parent.role) ? Tables.ASSISTANT : Tables.PROMPTER;
    return m;
  }

  public Msg lang(String l) { lang = l; return this; }
  public Msg state(String s) { treeState = s; return this; }
  public Msg created(String iso) { created = Instant.parse(iso); return this; }
  public Msg reviews(int count, Boolean result) { reviewCount = count; reviewResult = result; return this; }
  public Msg deleted(boolean d) { deleted = d; return this; }
  public Msg rank(Integer r) { rank = r; return this; }
  public Msg role(String r) { role = r; return this; }

  public Msg emoji(String name, int count) {
    if (emojis == null) emojis = new LinkedHashMap<>();
    emojis.put(name, count);
    return this;
  }

  public Msg label(String name, Double value, int count) {
    if (labels == null) labels = new LinkedHashMap<>();
    labels.put(name, RowFactory.create(value, count));
    return this;
  }

  public Row toRow(long line) {
    return RowFactory.create(
        id, parent, tree, treeState, user, created == null ? null : Timestamp.from(created),
        "text of " + id, role, lang, reviewCount, reviewResult, deleted, rank, false, null,
        emojis == null ? null : scala(emojis), labels == null ? null : scala(labels), null, null,
        null, "test", "hand-made", line, null);
  }

  private static <V> scala.collection.Map<String, V> scala(Map<String, V> m) {
    return scala.collection.JavaConverters.mapAsScalaMapConverter(m).asScala();
  }

  public static Dataset<Row> table(List<Msg> messages) {
    List<Row> rows = new ArrayList<>();
    long line = 1;
    for (Msg m : messages) rows.add(m.toRow(line++));
    return TestSpark.get().createDataFrame(rows, Tables.MESSAGES);
  }

  public static Dataset<Row> table(Msg... messages) {
    return table(List.of(messages));
  }
}
