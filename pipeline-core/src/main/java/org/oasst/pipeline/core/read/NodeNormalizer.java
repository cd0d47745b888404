package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Validates one message node (any of the three formats) and turns it into the values of a
 * {@link Tables#MESSAGES} row. Rejections name the JSON path of the offending field. Unknown keys are
 * counted, one per occurrence, into the map the caller passes.
 */
final class NodeNormalizer {
  static final Set<String> NODE_KEYS =
      Set.of(
          "message_id", "parent_id", "user_id", "created_date", "text", "role", "lang",
          "review_count", "review_result", "deleted", "rank", "synthetic", "model_name", "emojis",
          "labels", "detoxify", "events", "message_tree_id", "tree_state", "replies");

  private final Map<String, Long> unknownKeys;
  /** Set while normalizing when labels or emojis come as HF parallel arrays / as export objects. */
  boolean sawHfShape;

  boolean sawExportShape;

  NodeNormalizer(Map<String, Long> unknownKeys) {
    this.unknownKeys = unknownKeys;
  }

  void resetShapes() {
    sawHfShape = false;
    sawExportShape = false;
  }

  /** Fills {@code row}'s message columns from {@code node}; the caller sets tree and source columns. */
  void message(JsonNode node, String path, Object[] row) throws BadRecordException {
    if (!node.isObject()) {
      throw new BadRecordException(Reasons.WRONG_TYPE, path + ": expected an object, got " + kind(node));
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!NODE_KEYS.contains(name)) unknownKeys.merge(name, 1L, Long::sum);
    }
    row[RawRecords.MESSAGE_ID] = requiredString(node, "message_id", path);
    row[RawRecords.TEXT] = requiredString(node, "text", path);
    String role = requiredString(node, "role", path);
    if (!Tables.PROMPTER.equals(role) && !Tables.ASSISTANT.equals(role)) {
      throw new BadRecordException(
          Reasons.UNKNOWN_ROLE, path + ".role: '" + role + "' is neither prompter nor assistant");
    }
    row[RawRecords.ROLE] = role;
    row[RawRecords.PARENT_ID] = optionalString(node, "parent_id", path);
    row[RawRecords.USER_ID] = optionalString(node, "user_id", path);
    row[RawRecords.CREATED_DATE] = timestamp(node, path);
    row[RawRecords.LANG] = optionalString(node, "lang", path);
    row[RawRecords.REVIEW_COUNT] = optionalInt(node, "review_count", path);
    row[RawRecords.REVIEW_RESULT] = optionalBoolean(node, "review_result", path);
    row[RawRecords.DELETED] = optionalBoolean(node, "deleted", path);
    row[RawRecords.RANK] = optionalInt(node, "rank", path);
    row[RawRecords.SYNTHETIC] = optionalBoolean(node, "synthetic", path);
    row[RawRecords.MODEL_NAME] = optionalString(node, "model_name", path);
    row[RawRecords.EMOJIS] = emojis(node.get("emojis"), path + ".emojis");
    row[RawRecords.LABELS] = labels(node.get("labels"), path + ".labels");
    row[RawRecords.DETOXIFY] = detoxify(node.get("detoxify"), path + ".detoxify");
    JsonNode events = node.get("events");
    row[RawRecords.EVENTS] = isNull(events) ? null : events.toString();
    row[RawRecords.MESSAGE_TREE_ID] = optionalString(node, "message_tree_id", path);
    row[RawRecords.TREE_STATE] = optionalString(node, "tree_state", path);
  }

  static boolean isNull(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode();
  }

  static String kind(JsonNode node) {
    if (node.isTextual()) return "string " + abbreviate(node.toString());
    if (node.isNumber()) return "number " + node;
    if (node.isBoolean()) return "boolean " + node;
    if (node.isArray()) return "array";
    if (node.isObject()) return "object";
    return node.getNodeType().name().toLowerCase();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  static String requiredString(JsonNode node, String field, String path) throws BadRecordException {
    JsonNode v = node.get(field);
    if (isNull(v)) throw new BadRecordException(Reasons.MISSING_FIELD, path + "." + field + ": missing");
    if (!v.isTextual()) {
      throw new BadRecordException(
          Reasons.WRONG_TYPE, path + "." + field + ": expected a string, got " + kind(v));
    }
    return v.textValue();
  }

  static String optionalString(JsonNode node, String field, String path) throws BadRecordException {
    JsonNode v = node.get(field);
    if (isNull(v)) return null;
    if (!v.isTextual()) {
      throw new BadRecordException(
          Reasons.WRONG_TYPE, path + "." + field + ": expected a string or null, got " + kind(v));
    }
    return v.textValue();
  }

  static Integer optionalInt(JsonNode node, String field, String path) throws BadRecordException {
    return toInt(node.get(field), path + "." + field);
  }

  /** Integers, and integral floats (1.0) as pandas writes them; a string "null" is a wrong type. */
  static Integer toInt(JsonNode v, String path) throws BadRecordException {
    if (isNull(v)) return null;
    if (v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToInt()) return v.intValue();
    if (v.isNumber() && v.isFloatingPointNumber()) {
      double d = v.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) return (int) d;
    }
    throw new BadRecordException(Reasons.WRONG_TYPE, path + ": expected an integer or null, got " + kind(v));
  }

  static Boolean optionalBoolean(JsonNode node, String field, String path) throws BadRecordException {
    JsonNode v = node.get(field);
    if (isNull(v)) return null;
    if (!v.isBoolean()) {
      throw new BadRecordException(
          Reasons.WRONG_TYPE, path + "." + field + ": expected true, false or null, got " + kind(v));
    }
    return v.booleanValue();
  }

  static Double toDouble(JsonNode v, String path) throws BadRecordException {
    if (isNull(v)) return null;
    if (!v.isNumber()) {
      throw new BadRecordException(Reasons.WRONG_TYPE, path + ": expected a number or null, got " + kind(v));
    }
    return v.doubleValue();
  }

  static Instant timestamp(JsonNode node, String path) throws BadRecordException {
    JsonNode v = node.get("created_date");
    if (isNull(v)) return null;
    if (!v.isTextual()) {
      throw new BadRecordException(
          Reasons.WRONG_TYPE, path + ".created_date: expected a string or null, got " + kind(v));
    }
    return parseTimestamp(v.textValue(), path + ".created_date");
  }

  /** ISO-8601 with an offset ({@code Z} or {@code +hh:mm}); fractions of any precision. */
  static Instant parseTimestamp(String s, String path) throws BadRecordException {
    Instant fast = FastTimestamps.parseUtc(s);
    if (fast != null) return fast;
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new BadRecordException(
          Reasons.BAD_TIMESTAMP,
          path + ": '" + abbreviate(s) + "' is not an ISO-8601 date-time with an offset");
    }
  }

  /** Export objects {@code {name: count}} or HF arrays {@code {name: [..], count: [..]}}. */
  Map<String, Integer> emojis(JsonNode v, String path) throws BadRecordException {
    if (isNull(v)) return null;
    if (!v.isObject()) {
      throw new BadRecordException(Reasons.BAD_EMOJIS, path + ": expected an object, got " + kind(v));
    }
    Map<String, Integer> out = new TreeMap<>();
    JsonNode names = v.get("name");
    if (names != null && names.isArray()) {
      sawHfShape = true;
      JsonNode counts = v.get("count");
      if (counts == null || !counts.isArray() || counts.size() != names.size() || v.size() != 2) {
        throw new BadRecordException(
            Reasons.BAD_EMOJIS, path + ": HF emojis need arrays name and count of equal length, only");
      }
      for (int i = 0; i < names.size(); i++) {
        String name = emojiName(names.get(i), path + ".name[" + i + "]");
        out.put(name, count(counts.get(i), path + ".count[" + i + "]", Reasons.BAD_EMOJIS));
      }
      return out;
    }
    if (v.size() > 0) sawExportShape = true;
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), count(e.getValue(), path + "." + e.getKey(), Reasons.BAD_EMOJIS));
    }
    return out;
  }

  private static String emojiName(JsonNode n, String path) throws BadRecordException {
    if (n == null || !n.isTextual()) {
      throw new BadRecordException(Reasons.BAD_EMOJIS, path + ": expected a string name");
    }
    return n.textValue();
  }

  private static Integer count(JsonNode n, String path, String reason) throws BadRecordException {
    if (isNull(n)) return null;
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new BadRecordException(reason, path + ": expected an integer count, got " + kind(n));
    }
    return n.intValue();
  }

  /**
   * Export objects {@code {name: {value, count}}} or HF arrays {@code {name: [..], value: [..],
   * count: [..]}}.
   */
  Map<String, InternalRow> labels(JsonNode v, String path) throws BadRecordException {
    if (isNull(v)) return null;
    if (!v.isObject()) {
      throw new BadRecordException(Reasons.BAD_LABELS, path + ": expected an object, got " + kind(v));
    }
    Map<String, InternalRow> out = new TreeMap<>();
    JsonNode names = v.get("name");
    if (names != null && names.isArray()) {
      sawHfShape = true;
      JsonNode values = v.get("value");
      JsonNode counts = v.get("count");
      if (values == null || counts == null || !values.isArray() || !counts.isArray()
          || values.size() != names.size() || counts.size() != names.size() || v.size() != 3) {
        throw new BadRecordException(
            Reasons.BAD_LABELS,
            path + ": HF labels need arrays name, value and count of equal length, only");
      }
      for (int i = 0; i < names.size(); i++) {
        JsonNode name = names.get(i);
        if (!name.isTextual()) {
          throw new BadRecordException(Reasons.BAD_LABELS, path + ".name[" + i + "]: expected a string");
        }
        out.put(name.textValue(), labelValue(values.get(i), counts.get(i), path, "[" + i + "]"));
      }
      return out;
    }
    if (v.size() > 0) sawExportShape = true;
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode label = e.getValue();
      String labelPath = path + "." + e.getKey();
      if (!label.isObject()) {
        throw new BadRecordException(
            Reasons.BAD_LABELS, labelPath + ": expected an object {value, count}, got " + kind(label));
      }
      for (Iterator<String> keys = label.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!key.equals("value") && !key.equals("count")) {
          throw new BadRecordException(
              Reasons.BAD_LABELS, labelPath + "." + key + ": a label holds only value and count");
        }
      }
      out.put(e.getKey(), labelValue(label.get("value"), label.get("count"), labelPath, ""));
    }
    return out;
  }

  private static InternalRow labelValue(JsonNode value, JsonNode count, String path, String index)
      throws BadRecordException {
    Double d;
    if (isNull(value)) {
      d = null;
    } else if (value.isNumber()) {
      d = value.doubleValue();
    } else {
      throw new BadRecordException(
          Reasons.BAD_LABELS,
          path + (index.isEmpty() ? ".value" : ".value" + index) + ": expected a number, got "
              + kind(value));
    }
    Integer c = count(count, path + (index.isEmpty() ? ".count" : ".count" + index), Reasons.BAD_LABELS);
    return new GenericInternalRow(new Object[] {d, c});
  }

  InternalRow detoxify(JsonNode v, String path) throws BadRecordException {
    if (isNull(v)) return null;
    if (!v.isObject()) {
      throw new BadRecordException(Reasons.WRONG_TYPE, path + ": expected an object, got " + kind(v));
    }
    Object[] values = new Object[Tables.DETOXIFY_CATEGORIES.size()];
    for (int i = 0; i < values.length; i++) {
      String category = Tables.DETOXIFY_CATEGORIES.get(i);
      values[i] = toDouble(v.get(category), path + "." + category);
    }
    for (Iterator<String> names = v.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Tables.DETOXIFY_CATEGORIES.contains(name)) {
        unknownKeys.merge("detoxify." + name, 1L, Long::sum);
      }
    }
    return new GenericInternalRow(values);
  }
}
