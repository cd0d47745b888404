package org.oasst.pipeline.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Test input: a minimal, independent trees-JSONL parser producing the normalized messages table
 * (with {@code source_reply_index}, the position among the parent's replies). It exists so the builders
 * can be checked on the real samples without depending on the reader; the first copy of a repeated
 * message wins, as duplicated trees in the real files are identical.
 */
final class TreesFixture {
  private TreesFixture() {}

  static final StructType SCHEMA = Tables.MESSAGES;

  static Dataset<Row> read(SparkSession spark, Path file, boolean withSiblingIndex) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Row> rows = new LinkedHashMap<>();
    long line = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String text; (text = in.readLine()) != null; ) {
        line++;
        if (text.isBlank()) continue;
        JsonNode tree = json.readTree(text);
        String treeId = tree.get("message_tree_id").asText();
        String state = tree.get("tree_state").asText();
        String origin = tree.path("origin").isTextual() ? tree.get("origin").asText() : null;
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {tree.get("prompt"), null});
        while (!stack.isEmpty()) {
          Object[] top = stack.pop();
          JsonNode n = (JsonNode) top[0];
          Integer sibling = (Integer) top[1];
          String id = n.get("message_id").asText();
          rows.putIfAbsent(
              id,
              row(n, treeId, state, origin, file.getFileName().toString(), line, withSiblingIndex ? sibling : null));
          JsonNode replies = n.path("replies");
          for (int i = replies.size() - 1; i >= 0; i--) stack.push(new Object[] {replies.get(i), i});
        }
      }
    }
    return spark.createDataFrame(new ArrayList<>(rows.values()), SCHEMA);
  }

  private static String str(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Integer integer(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v == null || v.isNull() ? null : v.asInt();
  }

  private static Boolean bool(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v == null || v.isNull() ? null : v.asBoolean();
  }

  private static Row row(JsonNode n, String treeId, String state, String origin, String file, long line, Integer sibling) {
    String created = str(n, "created_date");
    Map<String, Integer> emojis = null;
    if (n.path("emojis").isObject()) {
      emojis = new HashMap<>();
      for (var it = n.get("emojis").fields(); it.hasNext(); ) {
        var e = it.next();
        emojis.put(e.getKey(), e.getValue().asInt());
      }
    }
    Map<String, Row> labels = null;
    if (n.path("labels").isObject()) {
      labels = new HashMap<>();
      for (var it = n.get("labels").fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode v = e.getValue();
        labels.put(
            e.getKey(),
            RowFactory.create(
                v.path("value").isNull() || v.path("value").isMissingNode() ? null : v.get("value").asDouble(),
                integer(v, "count")));
      }
    }
    Row detox = null;
    if (n.path("detoxify").isObject()) {
      Object[] vals = new Object[Tables.DETOXIFY_CATEGORIES.size()];
      for (int i = 0; i < vals.length; i++) {
        JsonNode v = n.get("detoxify").get(Tables.DETOXIFY_CATEGORIES.get(i));
        vals[i] = v == null || v.isNull() ? null : v.asDouble();
      }
      detox = RowFactory.create(vals);
    }
    return RowFactory.create(
        str(n, "message_id"),
        str(n, "parent_id"),
        treeId,
        state,
        str(n, "user_id"),
        created == null ? null : Timestamp.from(OffsetDateTime.parse(created).toInstant()),
        str(n, "text"),
        str(n, "role"),
        str(n, "lang"),
        integer(n, "review_count"),
        bool(n, "review_result"),
        bool(n, "deleted"),
        integer(n, "rank"),
        bool(n, "synthetic"),
        str(n, "model_name"),
        emojis,
        labels,
        detox,
        n.path("events").isMissingNode() || n.path("events").isNull() ? null : n.get("events").toString(),
        origin,
        "trees",
        file,
        line,
        sibling);
  }

  /**
   * A real sample: where TestSpark finds it (../shared beside the checkout), else under
   * $OASST_SHARED_DIR (a worktree that does not sit beside the shared folder).
   */
  static Path realSample(String name) {
    Path p = org.oasst.pipeline.core.TestSpark.realSample(name);
    String env = System.getenv("OASST_SHARED_DIR");
    if (!Files.exists(p) && env != null) p = Path.of(env, "data", "real", name);
    return p;
  }

  static Set<String> distinctTreeIds(Dataset<Row> messages) {
    Set<String> ids = new LinkedHashSet<>();
    for (Row r : messages.select("message_tree_id").distinct().collectAsList()) ids.add(r.getString(0));
    return ids;
  }

  static List<Row> sorted(Dataset<Row> df, String... cols) {
    return df.orderBy(cols[0], java.util.Arrays.copyOfRange(cols, 1, cols.length)).collectAsList();
  }
}
