package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Test helper: rewrites a trees JSONL file as messages JSONL, HF JSONL, or gzip (own small code). */
final class FormatConverter {
  private static final ObjectMapper M = new ObjectMapper();

  private FormatConverter() {}

  /** Each tree flattened depth-first into message lines with message_tree_id and tree_state filled. */
  static void treesToMessages(Path trees, Path out, boolean hf) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(trees, StandardCharsets.UTF_8);
        Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode tree = M.readTree(line);
        flatten(tree.get("prompt"), tree.get("message_tree_id").textValue(),
            tree.get("tree_state"), hf, w);
      }
    }
  }

  private static void flatten(JsonNode node, String treeId, JsonNode state, boolean hf, Writer w)
      throws IOException {
    ObjectNode flat = ((ObjectNode) node).deepCopy();
    flat.remove("replies");
    flat.put("message_tree_id", treeId);
    flat.set("tree_state", state);
    if (hf) {
      flat.remove("CRITERIA"); // HF rows carry only the dataset's columns
      toHf(flat);
    }
    w.write(M.writeValueAsString(flat));
    w.write('\n');
    JsonNode replies = node.get("replies");
    if (replies != null) {
      for (JsonNode r : replies) flatten(r, treeId, state, hf, w);
    }
  }

  /** Export maps into the HF parallel arrays. */
  private static void toHf(ObjectNode flat) {
    JsonNode emojis = flat.get("emojis");
    if (emojis != null && emojis.isObject()) {
      ObjectNode hf = M.createObjectNode();
      ArrayNode names = hf.putArray("name");
      ArrayNode counts = hf.putArray("count");
      for (Iterator<Map.Entry<String, JsonNode>> it = emojis.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        names.add(e.getKey());
        counts.add(e.getValue());
      }
      flat.set("emojis", hf);
    }
    JsonNode labels = flat.get("labels");
    if (labels != null && labels.isObject()) {
      ObjectNode hf = M.createObjectNode();
      ArrayNode names = hf.putArray("name");
      ArrayNode values = hf.putArray("value");
      ArrayNode counts = hf.putArray("count");
      for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        names.add(e.getKey());
        values.add(e.getValue().get("value"));
        counts.add(e.getValue().get("count"));
      }
      flat.set("labels", hf);
    }
  }

  static void gzip(Path in, Path out) throws IOException {
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(out))) {
      Files.copy(in, o);
    }
  }
}
