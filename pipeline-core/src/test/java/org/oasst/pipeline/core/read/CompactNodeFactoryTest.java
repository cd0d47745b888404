package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactNodeFactoryTest {
  private final ObjectMapper mapper = LineProcessor.newMapper();

  private static String object(int keys, String extra) {
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < keys; i++) json.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
    return json.append(extra).append("}").toString();
  }

  @Test
  void smallAndLargeObjectsKeepEveryKeyInOrder() throws IOException {
    for (int keys : List.of(1, 8, 9, 32, 33, 200)) {
      JsonNode node = mapper.readTree(object(keys, ""));
      assertEquals(keys, node.size());
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      for (int i = 0; i < keys; i++) {
        assertEquals("k" + i, names.get(i));
        assertEquals(i, node.get("k" + i).intValue());
      }
      assertNull(node.get("missing"));
      assertTrue(node.equals(new ObjectMapper().readTree(object(keys, ""))), "equal to the default tree");
    }
  }

  @Test
  void aRepeatedKeyIsRejectedBeforeAndAfterTheSwitchToAHashMap() {
    for (int keys : List.of(3, 40)) {
      IOException e = assertThrows(IOException.class, () -> mapper.readTree(object(keys, ",\"k1\":5")));
      assertTrue(e.getMessage().startsWith("Duplicate field 'k1'"), e.getMessage());
    }
  }

  @Test
  void removalKeepsTheRestInOrder() throws IOException {
    var node = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(object(5, ""));
    node.remove("k1");
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("k0", "k2", "k3", "k4"), names);
    assertEquals(4, node.get("k4").intValue());
  }
}
