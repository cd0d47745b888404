package org.oasst.pipeline.core.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Generates into memory and parses back with plain Jackson. */
final class SynthTestSupport {
  private SynthTestSupport() {}

  static final ObjectMapper MAPPER = new ObjectMapper();

  static byte[] bytes(SynthOptions options) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Synth.writeJson(options, out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> lines(SynthOptions options) {
    return parseLines(bytes(options));
  }

  static List<JsonNode> parseLines(byte[] bytes) {
    String all = new String(bytes, StandardCharsets.UTF_8);
    List<JsonNode> out = new ArrayList<>();
    for (String line : all.split("\n")) {
      if (line.isEmpty()) continue;
      try {
        out.add(MAPPER.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("line does not parse: " + line, e);
      }
    }
    return out;
  }

  /** Every node of a trees-format line, parents before children. */
  static List<JsonNode> nodesOf(JsonNode treeLine) {
    List<JsonNode> out = new ArrayList<>();
    collect(treeLine.get("prompt"), out);
    return out;
  }

  private static void collect(JsonNode n, List<JsonNode> out) {
    out.add(n);
    for (JsonNode c : n.get("replies")) collect(c, out);
  }

  static boolean isNull(JsonNode n, String key) {
    return n.get(key) == null || n.get(key).isNull();
  }
}
