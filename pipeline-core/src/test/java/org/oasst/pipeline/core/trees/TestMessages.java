package org.oasst.pipeline.core.trees;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Hand-made rows of the {@code messages} table for tests, and a plain-Jackson loader of a trees
 * export into such rows (independent of the project's reader).
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
          deleted, rank, synthetic, null, emojis, labels, null, null, null, "test", "test", line);
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

  /** A trees export read with plain Jackson: one message per distinct message_id, first copy wins. */
  public static List<M> fromTreesJsonl(Path file) {
    ObjectMapper json = new ObjectMapper();
    Map<String, M> byId = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) continue;
        JsonNode tree = json.readTree(line);
        walk(tree.get("prompt"), text(tree, "message_tree_id"), text(tree, "tree_state"), byId);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ArrayList<>(byId.values());
  }

  private static void walk(JsonNode node, String treeId, String state, Map<String, M> byId) {
    M m = msg(text(node, "message_id"), text(node, "parent_id"), text(node, "role"));
    m.treeId = treeId;
    m.treeState = state;
    m.userId = text(node, "user_id");
    String created = text(node, "created_date");
    m.created = created == null ? null : Timestamp.from(OffsetDateTime.parse(created).toInstant());
    m.text = text(node, "text");
    m.lang = text(node, "lang");
    m.reviewCount = node.hasNonNull("review_count") ? node.get("review_count").asInt() : null;
    m.reviewResult = node.hasNonNull("review_result") ? node.get("review_result").asBoolean() : null;
    m.deleted = node.hasNonNull("deleted") ? node.get("deleted").asBoolean() : null;
    m.rank = node.hasNonNull("rank") ? node.get("rank").asInt() : null;
    m.synthetic = node.hasNonNull("synthetic") ? node.get("synthetic").asBoolean() : null;
    if (node.hasNonNull("emojis")) {
      m.emojis = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.get("emojis").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.emojis.put(e.getKey(), e.getValue().asInt());
      }
    }
    if (node.hasNonNull("labels")) {
      m.labels = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.get("labels").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        m.labels.put(
            e.getKey(),
            RowFactory.create(
                v.hasNonNull("value") ? v.get("value").asDouble() : null,
                v.hasNonNull("count") ? v.get("count").asInt() : null));
      }
    }
    byId.putIfAbsent(m.id, m);
    if (node.hasNonNull("replies")) {
      for (JsonNode child : node.get("replies")) walk(child, treeId, state, byId);
    }
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }
}
