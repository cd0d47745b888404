package org.oasst.pipeline.core.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

class PseudonymizerTest {
  private static final byte[] KEY = "0123456789abcdef-test-key".getBytes(StandardCharsets.UTF_8);

  /** HMAC-SHA256 computed directly, first 16 bytes as lowercase hex. */
  private static String expectedHex(byte[] key, String id) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] h = mac.doFinal(id.getBytes(StandardCharsets.UTF_8));
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 16; i++) s.append(String.format("%02x", h[i]));
    return s.toString();
  }

  @Test
  void pseudonymIsTheKeyedHashShapedAsAUuid() throws Exception {
    String p = Pseudonymizer.pseudonym(KEY, "user-1");
    assertEquals(36, p.length());
    assertTrue(p.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), p);
    assertEquals(expectedHex(KEY, "user-1"), p.replace("-", ""));
    assertNotEquals(p, Pseudonymizer.pseudonym("another-key-of-16-bytes".getBytes(StandardCharsets.UTF_8), "user-1"));
  }

  @Test
  void sameIdSamePseudonymEverywhereIncludingEvents() {
    StructType schema =
        new StructType()
            .add("message_id", DataTypes.StringType)
            .add("user_id", DataTypes.StringType)
            .add("events", DataTypes.StringType);
    List<Row> rows =
        List.of(
            RowFactory.create("m1", "alice", "{\"emoji\":[{\"user_id\":\"bob\",\"emoji\":\"+1\"}]}"),
            RowFactory.create("m2", "bob", null),
            RowFactory.create("m3", "alice", null),
            RowFactory.create("m4", null, null));
    Dataset<Row> df = TestSpark.get().createDataFrame(rows, schema);
    Map<String, Row> out = new HashMap<>();
    for (Row r : Pseudonymizer.apply(df, KEY).collectAsList()) out.put(r.getString(0), r);
    String alice = Pseudonymizer.pseudonym(KEY, "alice");
    String bob = Pseudonymizer.pseudonym(KEY, "bob");
    assertEquals(alice, out.get("m1").getString(1));
    assertEquals(alice, out.get("m3").getString(1));
    assertEquals(bob, out.get("m2").getString(1));
    assertNull(out.get("m4").getString(1));
    assertEquals("{\"emoji\":[{\"user_id\":\"" + bob + "\",\"emoji\":\"+1\"}]}", out.get("m1").getString(2));
  }

  @Test
  void keyComesFromAFileAndShortKeysAreRefused(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("key");
    Files.writeString(file, "a-secret-key-of-enough-bytes\n");
    assertEquals("a-secret-key-of-enough-bytes", new String(Pseudonymizer.loadKey(file.toString(), null), StandardCharsets.UTF_8));
    Files.writeString(file, "short");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Pseudonymizer.loadKey(file.toString(), null));
    assertTrue(!e.getMessage().contains("short"), "the key must never be echoed");
    assertThrows(
        IllegalArgumentException.class,
        () -> Pseudonymizer.loadKey(null, "OASST_TEST_VARIABLE_THAT_IS_NOT_SET_" + System.nanoTime()));
  }
}
