package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The fast path of {@link LineProcessor#process}: reads a well-formed tree or export message line
 * token by token and fills the raw rows directly, without building a {@code JsonNode} tree and
 * looking its fields up by name (about half of the parse threads' time).
 *
 * <p>The contract: for every line it accepts, the rows (all columns, same order), the changes to
 * the {@link FileStats} and the unknown-key counts are exactly those of the tree path. Anything it
 * does not cover, and any line that is invalid in any way, it gives up having changed nothing, and
 * the caller runs the tree path, which then quarantines with the usual reason and message. So it
 * never has to reproduce an error: it only covers the common shapes and falls back in doubt.
 *
 * <p>Covered: tree lines whose first key is {@code message_tree_id}, and message lines whose first
 * key is {@code message_id} with export-shaped (or no) labels and emojis and no events. A line's
 * rows are validated and converted only after its last token, since real exports put {@code
 * origin} after {@code prompt}. One instance per {@link LineProcessor}; not thread-safe.
 */
final class StreamingLineParser {
  /** Gives the line up to the tree path; control flow, so no stack trace. */
  private static final class Fallback extends Exception {
    private static final long serialVersionUID = 1L;
    static final Fallback INSTANCE = new Fallback();

    private Fallback() {
      super(null, null, false, false);
    }
  }

  // Message keys, as bit positions of the mask that sees a key twice (NodeNormalizer.NODE_KEYS).
  private static final int MESSAGE_ID = 0;
  private static final int PARENT_ID = 1;
  private static final int USER_ID = 2;
  private static final int CREATED_DATE = 3;
  private static final int TEXT = 4;
  private static final int ROLE = 5;
  private static final int LANG = 6;
  private static final int REVIEW_COUNT = 7;
  private static final int REVIEW_RESULT = 8;
  private static final int DELETED = 9;
  private static final int RANK = 10;
  private static final int SYNTHETIC = 11;
  private static final int MODEL_NAME = 12;
  private static final int EMOJIS = 13;
  private static final int LABELS = 14;
  private static final int DETOXIFY = 15;
  private static final int EVENTS = 16;
  private static final int MESSAGE_TREE_ID = 17;
  private static final int TREE_STATE = 18;
  private static final int REPLIES = 19;
  private static final int UNKNOWN = -1;

  private static final Map<String, Integer> DETOXIFY_INDEX = detoxifyIndex();

  private final LineProcessor owner;
  private final JsonFactory factory;

  // The current line: its messages in pre-order, each one's parent (-1 for a root) and its index
  // among the parent's replies; what it adds to the output and the statistics once it is accepted.
  private final List<Object[]> messages = new ArrayList<>();
  private int[] parents = new int[16];
  private int[] replyIndexes = new int[16];
  private final Map<String, Long> unknownKeys = new HashMap<>();
  private final List<InternalRow> ready = new ArrayList<>();
  private boolean sawExportShape;
  private boolean tree;
  private String sourceFormat;

  /** {@code factory} must be the tree path's, so that the same read constraints apply. */
  StreamingLineParser(LineProcessor owner, JsonFactory factory) {
    this.owner = owner;
    this.factory = factory;
  }

  /**
   * Processes the line like the tree path and returns true, or returns false having changed nothing
   * (neither {@code out} nor the statistics).
   */
  boolean process(byte[] buf, int off, int len, long lineNo, List<InternalRow> out) {
    sawExportShape = false;
    try {
      if (!parse(buf, off, len, lineNo)) return false;
      accept(out);
      return true;
    } finally {
      // Not kept until the next line: a message's text can be large.
      messages.clear();
      unknownKeys.clear();
      ready.clear();
    }
  }

  /** Parses and validates the whole line into {@link #ready}; false to fall back. */
  private boolean parse(byte[] buf, int off, int len, long lineNo) {
    try (JsonParser p = factory.createParser(buf, off, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) return false;
      String first = p.currentName();
      if (first.equals("message_tree_id")) {
        treeLine(p, lineNo);
      } else if (first.equals("message_id")) {
        flatLine(p, lineNo);
      } else {
        return false;
      }
      return true;
    } catch (Fallback | IOException e) {
      return false;
    }
  }

  private void accept(List<InternalRow> out) {
    out.addAll(ready);
    FileStats stats = owner.stats;
    stats.linesAccepted++;
    if (tree) stats.treesRead++;
    stats.messagesParsed += messages.size();
    stats.formats.add(sourceFormat);
    unknownKeys.forEach((k, v) -> stats.unknownKeys.merge(k, v, Long::sum));
  }

  // ---- tree lines

  /** The parser is on the first key, message_tree_id. */
  private void treeLine(JsonParser p, long lineNo) throws IOException, Fallback {
    tree = true;
    sourceFormat = LineProcessor.TREES;
    try {
      owner.checkTreeFormat();
    } catch (BadRecordException e) {
      throw Fallback.INSTANCE;
    }
    String treeId = requiredString(p);
    String treeState = null;
    String origin = null;
    boolean sawState = false;
    boolean sawOrigin = false;
    boolean sawPrompt = false;
    SeenNames others = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      switch (name) {
        case "tree_state" -> {
          sawState = once(sawState);
          treeState = optionalString(p);
        }
        case "origin" -> {
          sawOrigin = once(sawOrigin);
          origin = optionalString(p);
        }
        case "prompt" -> {
          sawPrompt = once(sawPrompt);
          // A null or non-object prompt is an error of the tree path.
          if (p.nextToken() != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
          message(p, -1, 0);
        }
        // A second tree id is a duplicate; a message_id makes the tree path read a message line.
        case "message_tree_id", "message_id" -> throw Fallback.INSTANCE;
        default -> others = unknownKey(p, name, "", others);
      }
    }
    if (!sawPrompt) throw Fallback.INSTANCE;
    endOfLine(p);
    settleTree(treeId, treeState, origin, lineNo);
  }

  /** The checks and columns of {@code LineProcessor.walk}, on the whole line's messages. */
  private void settleTree(String treeId, String treeState, String origin, long lineNo)
      throws Fallback {
    long hash = 0L;
    for (int i = 0; i < messages.size(); i++) {
      Object[] row = messages.get(i);
      requireMessageFields(row);
      String id = (String) row[RawRecords.MESSAGE_ID];
      String ownTreeId = (String) row[RawRecords.MESSAGE_TREE_ID];
      if (ownTreeId != null && !ownTreeId.equals(treeId)) throw Fallback.INSTANCE;
      String ownParent = (String) row[RawRecords.PARENT_ID];
      int parent = parents[i];
      if (parent < 0) {
        if (ownParent != null || !id.equals(treeId)) throw Fallback.INSTANCE;
      } else {
        String parentId = (String) messages.get(parent)[RawRecords.MESSAGE_ID];
        if (ownParent == null) {
          row[RawRecords.PARENT_ID] = parentId;
        } else if (!ownParent.equals(parentId)) {
          throw Fallback.INSTANCE;
        }
      }
      row[RawRecords.MESSAGE_TREE_ID] = treeId;
      row[RawRecords.TREE_STATE] = treeState;
      row[RawRecords.TREE_ORIGIN] = origin;
      owner.finishMessage(row, LineProcessor.TREES, lineNo);
      if (parent >= 0) row[RawRecords.SOURCE_REPLY_INDEX] = replyIndexes[i];
      hash += LineProcessor.mix(id);
    }
    for (Object[] row : messages) ready.add(RawRecords.row(row));
    ready.add(owner.treeMarker(treeId, messages.size(), hash, lineNo));
  }

  // ---- message lines

  /** The parser is on the first key, message_id. */
  private void flatLine(JsonParser p, long lineNo) throws IOException, Fallback {
    tree = false;
    if (owner.format().equals(LineProcessor.TREES)) throw Fallback.INSTANCE;
    messageFields(p, p.currentToken(), newMessage(-1, 0), false);
    endOfLine(p);
    Object[] row = messages.get(0);
    requireMessageFields(row);
    try {
      // HF-shaped labels or emojis already fell back, so only the export shape can have been seen.
      sourceFormat = owner.flatSourceFormat(false, sawExportShape);
    } catch (BadRecordException e) {
      throw Fallback.INSTANCE;
    }
    owner.finishMessage(row, sourceFormat, lineNo);
    ready.add(RawRecords.row(row));
  }

  // ---- messages

  /** The parser is on the message's START_OBJECT; its replies follow it in {@link #messages}. */
  private void message(JsonParser p, int parent, int replyIndex) throws IOException, Fallback {
    int self = newMessage(parent, replyIndex);
    messageFields(p, p.nextToken(), self, true);
  }

  /** Reserves the message's place before its replies are read, so that rows come in pre-order. */
  private int newMessage(int parent, int replyIndex) {
    int self = messages.size();
    if (self == parents.length) {
      parents = Arrays.copyOf(parents, self * 2);
      replyIndexes = Arrays.copyOf(replyIndexes, self * 2);
    }
    parents[self] = parent;
    replyIndexes[self] = replyIndex;
    messages.add(new Object[RawRecords.WIDTH]);
    return self;
  }

  /** Reads the keys of message {@code self} from token {@code t} (its first key) to its END_OBJECT. */
  private void messageFields(JsonParser p, JsonToken t, int self, boolean inTree)
      throws IOException, Fallback {
    Object[] row = messages.get(self);
    int seen = 0;
    SeenNames others = null;
    for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      int key = messageKey(name);
      if (key == UNKNOWN) {
        others = unknownKey(p, name, "", others);
        continue;
      }
      if ((seen & (1 << key)) != 0) throw Fallback.INSTANCE;
      seen |= 1 << key;
      messageField(p, key, row, self, inTree);
    }
  }

  private void messageField(JsonParser p, int key, Object[] row, int self, boolean inTree)
      throws IOException, Fallback {
    switch (key) {
      case MESSAGE_ID -> row[RawRecords.MESSAGE_ID] = requiredString(p);
      case TEXT -> row[RawRecords.TEXT] = requiredString(p);
      case ROLE -> row[RawRecords.ROLE] = role(p);
      case PARENT_ID -> row[RawRecords.PARENT_ID] = optionalString(p);
      case USER_ID -> row[RawRecords.USER_ID] = optionalString(p);
      case CREATED_DATE -> row[RawRecords.CREATED_DATE] = timestamp(p);
      case LANG -> row[RawRecords.LANG] = optionalString(p);
      case REVIEW_COUNT -> row[RawRecords.REVIEW_COUNT] = optionalInt(p);
      case REVIEW_RESULT -> row[RawRecords.REVIEW_RESULT] = optionalBoolean(p);
      case DELETED -> row[RawRecords.DELETED] = optionalBoolean(p);
      case RANK -> row[RawRecords.RANK] = optionalInt(p);
      case SYNTHETIC -> row[RawRecords.SYNTHETIC] = optionalBoolean(p);
      case MODEL_NAME -> row[RawRecords.MODEL_NAME] = optionalString(p);
      case EMOJIS -> row[RawRecords.EMOJIS] = emojis(p);
      case LABELS -> row[RawRecords.LABELS] = labels(p);
      case DETOXIFY -> row[RawRecords.DETOXIFY] = detoxify(p);
      case EVENTS -> {
        // The tree path keeps events as the node's JSON text: not reproduced here.
        if (p.nextToken() != JsonToken.VALUE_NULL) throw Fallback.INSTANCE;
      }
      case MESSAGE_TREE_ID -> row[RawRecords.MESSAGE_TREE_ID] = optionalString(p);
      case TREE_STATE -> row[RawRecords.TREE_STATE] = optionalString(p);
      case REPLIES -> replies(p, self, inTree);
      default -> throw new IllegalStateException("key " + key);
    }
  }

  private static int messageKey(String name) {
    return switch (name) {
      case "message_id" -> MESSAGE_ID;
      case "parent_id" -> PARENT_ID;
      case "user_id" -> USER_ID;
      case "created_date" -> CREATED_DATE;
      case "text" -> TEXT;
      case "role" -> ROLE;
      case "lang" -> LANG;
      case "review_count" -> REVIEW_COUNT;
      case "review_result" -> REVIEW_RESULT;
      case "deleted" -> DELETED;
      case "rank" -> RANK;
      case "synthetic" -> SYNTHETIC;
      case "model_name" -> MODEL_NAME;
      case "emojis" -> EMOJIS;
      case "labels" -> LABELS;
      case "detoxify" -> DETOXIFY;
      case "events" -> EVENTS;
      case "message_tree_id" -> MESSAGE_TREE_ID;
      case "tree_state" -> TREE_STATE;
      case "replies" -> REPLIES;
      default -> UNKNOWN;
    };
  }

  /** A message line may only have null or [] replies; a tree's are messages in pre-order. */
  private void replies(JsonParser p, int self, boolean inTree) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return;
    if (t != JsonToken.START_ARRAY) throw Fallback.INSTANCE;
    if (!inTree) {
      if (p.nextToken() != JsonToken.END_ARRAY) throw Fallback.INSTANCE;
      return;
    }
    int i = 0;
    for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
      message(p, self, i++);
    }
  }

  /** A message without message_id, text or role is an error of the tree path. */
  private static void requireMessageFields(Object[] row) throws Fallback {
    if (row[RawRecords.MESSAGE_ID] == null || row[RawRecords.TEXT] == null
        || row[RawRecords.ROLE] == null) {
      throw Fallback.INSTANCE;
    }
  }

  // ---- values

  private static String requiredString(JsonParser p) throws IOException, Fallback {
    if (p.nextToken() != JsonToken.VALUE_STRING) throw Fallback.INSTANCE;
    return p.getText();
  }

  private static String optionalString(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_STRING) return p.getText();
    if (t == JsonToken.VALUE_NULL) return null;
    throw Fallback.INSTANCE;
  }

  private static String role(JsonParser p) throws IOException, Fallback {
    String role = requiredString(p);
    if (!Tables.PROMPTER.equals(role) && !Tables.ASSISTANT.equals(role)) throw Fallback.INSTANCE;
    return role;
  }

  private static Object timestamp(JsonParser p) throws IOException, Fallback {
    String s = optionalString(p);
    if (s == null) return null;
    try {
      return NodeNormalizer.parseTimestamp(s, "$");
    } catch (BadRecordException e) {
      throw Fallback.INSTANCE;
    }
  }

  /**
   * An int token that fits an int, or null. The tree path also takes integral floats (1.0) and has
   * its own rules for them: those fall back.
   */
  private static Integer optionalInt(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return null;
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
      return p.getIntValue();
    }
    throw Fallback.INSTANCE;
  }

  private static Boolean optionalBoolean(JsonParser p) throws IOException, Fallback {
    return switch (p.nextToken()) {
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw Fallback.INSTANCE;
    };
  }

  /**
   * A number as {@code JsonNode.doubleValue()} of the node the tree path builds: floats come from
   * {@code getDoubleValue()}, ints from an int or long node; big integers fall back.
   */
  private static Double optionalDouble(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return null;
    if (t == JsonToken.VALUE_NUMBER_FLOAT) return p.getDoubleValue();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      JsonParser.NumberType type = p.getNumberType();
      if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
        return (double) p.getLongValue();
      }
    }
    throw Fallback.INSTANCE;
  }

  /** Export emojis {@code {name: count}}; the HF shape (an array under "name") falls back. */
  private Map<String, Integer> emojis(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return null;
    if (t != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
    Map<String, Integer> out = new TreeMap<>();
    for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      putOnce(out, name, optionalInt(p));
    }
    if (!out.isEmpty()) sawExportShape = true;
    return out;
  }

  /** Export labels {@code {name: {value, count}}}; the HF shape falls back. */
  private Map<String, InternalRow> labels(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return null;
    if (t != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
    Map<String, InternalRow> out = new TreeMap<>();
    for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      if (p.nextToken() != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
      putOnce(out, name, label(p));
    }
    if (!out.isEmpty()) sawExportShape = true;
    return out;
  }

  /** One label's {value, count}, as {@code NodeNormalizer.labelValue} builds it. */
  private static InternalRow label(JsonParser p) throws IOException, Fallback {
    Double value = null;
    Integer count = null;
    boolean sawValue = false;
    boolean sawCount = false;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      switch (p.currentName()) {
        case "value" -> {
          sawValue = once(sawValue);
          value = optionalDouble(p);
        }
        case "count" -> {
          sawCount = once(sawCount);
          count = optionalInt(p);
        }
        default -> throw Fallback.INSTANCE;
      }
    }
    return new GenericInternalRow(new Object[] {value, count});
  }

  /** Detoxify scores by category; other keys count as unknown "detoxify.<key>". */
  private InternalRow detoxify(JsonParser p) throws IOException, Fallback {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) return null;
    if (t != JsonToken.START_OBJECT) throw Fallback.INSTANCE;
    Object[] values = new Object[Tables.DETOXIFY_CATEGORIES.size()];
    long seen = 0L;
    SeenNames others = null;
    for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      Integer i = DETOXIFY_INDEX.get(name);
      if (i == null) {
        others = unknownKey(p, name, "detoxify.", others);
        continue;
      }
      if ((seen & (1L << i)) != 0) throw Fallback.INSTANCE;
      seen |= 1L << i;
      values[i] = optionalDouble(p);
    }
    return new GenericInternalRow(values);
  }

  private static Map<String, Integer> detoxifyIndex() {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < Tables.DETOXIFY_CATEGORIES.size(); i++) {
      index.put(Tables.DETOXIFY_CATEGORIES.get(i), i);
    }
    if (index.size() > 64) throw new IllegalStateException("too many detoxify categories for a mask");
    return index;
  }

  // ---- keys

  /** Counts an unknown key and skips its value; {@code seen} holds the object's other unknown keys. */
  private SeenNames unknownKey(JsonParser p, String name, String prefix, SeenNames seen)
      throws IOException, Fallback {
    if (seen == null) seen = new SeenNames();
    seen.add(name);
    unknownKeys.merge(prefix.isEmpty() ? name : prefix + name, 1L, Long::sum);
    p.nextToken();
    skipValue(p);
    return seen;
  }

  /**
   * Skips the value the parser is on, still failing where building it as a tree would: a key twice
   * in an object, or a string that does not decode. ({@code skipChildren} would not look inside.)
   */
  private static void skipValue(JsonParser p) throws IOException, Fallback {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        SeenNames names = new SeenNames();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          names.add(p.currentName());
          p.nextToken();
          skipValue(p);
        }
      }
      case START_ARRAY -> {
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) skipValue(p);
      }
      case VALUE_STRING -> p.getTextLength(); // decodes the string as a text node would
      default -> {} // other scalars are checked by the tokenizer already
    }
  }

  private static <V> void putOnce(Map<String, V> map, String key, V value) throws Fallback {
    int before = map.size();
    map.put(key, value);
    if (map.size() == before) throw Fallback.INSTANCE;
  }

  private static boolean once(boolean seen) throws Fallback {
    if (seen) throw Fallback.INSTANCE;
    return true;
  }

  /** Anything after the object fails the tree path (FAIL_ON_TRAILING_TOKENS). */
  private static void endOfLine(JsonParser p) throws IOException, Fallback {
    if (p.nextToken() != null) throw Fallback.INSTANCE;
  }

  /** The keys of one object beyond the known ones; a list while small, as most objects have few. */
  private static final class SeenNames {
    private static final int LINEAR_LIMIT = 16;
    private final List<String> small = new ArrayList<>(4);
    private HashSet<String> large;

    /** Adds a key, falling back if the object had it already. */
    void add(String name) throws Fallback {
      if (large != null) {
        if (!large.add(name)) throw Fallback.INSTANCE;
        return;
      }
      for (int i = 0; i < small.size(); i++) {
        if (small.get(i).equals(name)) throw Fallback.INSTANCE;
      }
      small.add(name);
      if (small.size() > LINEAR_LIMIT) large = new HashSet<>(small);
    }
  }
}
