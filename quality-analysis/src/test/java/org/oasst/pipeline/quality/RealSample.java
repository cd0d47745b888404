package org.oasst.pipeline.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A real trees export parsed with plain Jackson, independently of the pipeline's reader: the
 * distinct messages (first copy wins) as Msg objects, from which tests compute expectations
 * directly and build the messages table the analyses run on.
 */
public final class RealSample {
  private RealSample() {}

  public static List<Msg> load(Path file) {
    ObjectMapper json = new ObjectMapper();
    Map<String, Msg> byId = new LinkedHashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode tree = json.readTree(line);
        String treeId = tree.path("message_tree_id").asText();
        String state = tree.path("tree_state").isNull() ? null : tree.path("tree_state").asText(null);
        walk(tree.get("prompt"), treeId, state, byId);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ArrayList<>(byId.values());
  }

  private static void walk(JsonNode n, String treeId, String state, Map<String, Msg> byId) {
    Msg m = new Msg();
    m.id = n.get("message_id").asText();
    m.parent = text(n, "parent_id");
    m.tree = treeId;
    m.treeState = state;
    m.user = text(n, "user_id");
    String created = text(n, "created_date");
    m.created = created == null ? null : OffsetDateTime.parse(created).toInstant();
    m.role = n.get("role").asText();
    m.lang = text(n, "lang");
    m.reviewCount = n.hasNonNull("review_count") ? n.get("review_count").asInt() : null;
    m.reviewResult = n.hasNonNull("review_result") ? n.get("review_result").asBoolean() : null;
    m.deleted = n.hasNonNull("deleted") ? n.get("deleted").asBoolean() : null;
    m.rank = n.hasNonNull("rank") ? n.get("rank").asInt() : null;
    if (n.hasNonNull("emojis")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.get("emojis").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.emoji(e.getKey(), e.getValue().asInt());
      }
    }
    if (n.hasNonNull("labels")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.get("labels").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        m.label(e.getKey(), v.hasNonNull("value") ? v.get("value").asDouble() : null, v.path("count").asInt());
      }
    }
    byId.putIfAbsent(m.id, m);
    if (n.hasNonNull("replies")) for (JsonNode child : n.get("replies")) walk(child, treeId, state, byId);
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
  }

  public static Dataset<Row> table(List<Msg> messages) {
    return Msg.table(messages);
  }
}
