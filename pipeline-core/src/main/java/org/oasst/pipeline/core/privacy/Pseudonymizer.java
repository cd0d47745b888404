package org.oasst.pipeline.core.privacy;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Replaces contributor ids by keyed pseudonyms: HMAC-SHA256(key, user_id), its first 16 bytes written
 * as a UUID-shaped string (consumers that expect UUIDs keep working). The same id gives the same
 * pseudonym in every table and every run with the same key; without the key the mapping cannot be
 * recomputed or reversed. The key is never logged or written anywhere.
 */
public final class Pseudonymizer {
  private Pseudonymizer() {}

  /** The environment variable read when no key file is configured. */
  public static final String DEFAULT_KEY_ENV = "OASST_PSEUDONYM_KEY";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The messages table with {@code user_id} pseudonymized, and with every {@code user_id} value
   * inside the raw {@code events} JSON too (per-user events name their users).
   */
  public static Dataset<Row> apply(Dataset<Row> messages, byte[] key) {
    requireKey(key);
    byte[] k = Arrays.copyOf(key, key.length);
    UserDefinedFunction id =
        udf((UDF1<String, String>) userId -> userId == null ? null : pseudonym(k, userId), DataTypes.StringType);
    Dataset<Row> out = messages.withColumn("user_id", id.apply(col("user_id")));
    if (Arrays.asList(messages.columns()).contains("events")) {
      UserDefinedFunction events =
          udf((UDF1<String, String>) e -> e == null ? null : pseudonymizeEvents(k, e), DataTypes.StringType);
      out = out.withColumn("events", events.apply(col("events")));
    }
    return out;
  }

  /** The pseudonym of one id under one key. */
  public static String pseudonym(byte[] key, String userId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] h = mac.doFinal(userId.getBytes(StandardCharsets.UTF_8));
      StringBuilder s = new StringBuilder(36);
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.append('-');
        s.append(Character.forDigit((h[i] >> 4) & 0xf, 16)).append(Character.forDigit(h[i] & 0xf, 16));
      }
      return s.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  static String pseudonymizeEvents(byte[] key, String eventsJson) {
    JsonNode root;
    try {
      root = JSON.readTree(eventsJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("events is not valid JSON, cannot pseudonymize its user ids", e);
    }
    Deque<JsonNode> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      JsonNode n = stack.pop();
      if (n instanceof ObjectNode) {
        ObjectNode o = (ObjectNode) n;
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (e.getKey().equals("user_id") && e.getValue().isTextual()) {
            e.setValue(o.textNode(pseudonym(key, e.getValue().asText())));
          } else {
            stack.push(e.getValue());
          }
        }
      } else if (n instanceof ArrayNode) {
        for (JsonNode c : n) stack.push(c);
      }
    }
    return root.toString();
  }

  /**
   * The key: the bytes of {@code keyFile} (trailing newline ignored) when given, else the value of the
   * environment variable {@code envVar}. A missing or short key is an error; the key is not echoed.
   */
  public static byte[] loadKey(String keyFile, String envVar) {
    byte[] key;
    if (keyFile != null && !keyFile.isBlank()) {
      try {
        String text = Files.readString(Path.of(keyFile), StandardCharsets.UTF_8).strip();
        key = text.getBytes(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the pseudonymization key file " + keyFile, e);
      }
    } else {
      String name = envVar == null || envVar.isBlank() ? DEFAULT_KEY_ENV : envVar;
      String value = System.getenv(name);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(
            "no pseudonymization key: give a key file or set the environment variable " + name);
      }
      key = value.strip().getBytes(StandardCharsets.UTF_8);
    }
    requireKey(key);
    return key;
  }

  private static void requireKey(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("the pseudonymization key must be at least 16 bytes");
    }
  }
}
