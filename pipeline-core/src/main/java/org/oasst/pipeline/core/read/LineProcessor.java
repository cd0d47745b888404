package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;

/**
 * Turns one JSON line (of any format) into raw rows: the messages it holds plus, for a tree, a tree
 * marker; or a single quarantine row with the reason code. Keeps the file's statistics.
 *
 * <p>A JSONL line goes first to a {@link StreamingLineParser}, which reads the common well-formed
 * shapes without building a tree; what it gives up goes through the JsonNode tree below, which
 * defines the behaviour (the fast path must give identical results).
 */
final class LineProcessor {
  static final String TREES = "trees";
  static final String MESSAGES = "messages";
  static final String HF_JSONL = "hf_jsonl";
  static final String HF_PARQUET = "hf_parquet";

  private static final java.util.Set<String> TREE_KEYS =
      java.util.Set.of("message_tree_id", "tree_state", "prompt", "origin");

  static ObjectMapper newMapper() {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(1000)
                    .maxNestingDepth(2000)
                    .build())
            // Detoxify scores make up much of the numbers: same doubles as Double.parseDouble, faster
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    ObjectMapper mapper = new ObjectMapper(factory);
    mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // A key twice in one object is invalid JSON for us. The tree builder sees the repeat when it
    // inserts the key, at no cost; the parser's own check (STRICT_DUPLICATE_DETECTION) fills a hash
    // set per object as well.
    mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    mapper.setNodeFactory(CompactNodeFactory.INSTANCE);
    return mapper;
  }

  private final ObjectMapper mapper = newMapper();
  private final String format; // the forced format, or auto
  private final String file;
  final FileStats stats;
  private final Map<String, Long> lineUnknownKeys = new HashMap<>();
  private final NodeNormalizer normalizer = new NodeNormalizer(lineUnknownKeys);
  private UnsafeProjection binaryRows;
  /** The token-by-token parser tried first on each JSONL line; null when switched off. */
  private final StreamingLineParser streaming;
  /** Lines the streaming parser handled (the rest went through the tree). */
  long streamedLines;

  LineProcessor(String format, String file, FileStats stats) {
    this(format, file, stats, true);
  }

  /** {@code streaming} false runs every line through the tree only: tests compare the two. */
  LineProcessor(String format, String file, FileStats stats, boolean streaming) {
    this.format = format;
    this.file = file;
    this.stats = stats;
    this.streaming = streaming ? new StreamingLineParser(this, mapper.getFactory()) : null;
  }

  String format() {
    return format;
  }

  /** Converts this processor's rows to Spark's binary row format; one per processor, like its thread. */
  UnsafeProjection binaryRows() {
    if (binaryRows == null) binaryRows = UnsafeProjection.create(RawRecords.SCHEMA);
    return binaryRows;
  }

  /** Processes line {@code lineNo} (1-based) held in {@code buf[off, off+len)}; adds rows to out. */
  void process(byte[] buf, int off, int len, long lineNo, List<InternalRow> out) {
    stats.linesRead++;
    if (lineNo == 1 && len >= 3 && (buf[off] & 0xff) == 0xEF && (buf[off + 1] & 0xff) == 0xBB
        && (buf[off + 2] & 0xff) == 0xBF) {
      // A UTF-8 byte order mark, as some Windows tools write: not part of the JSON.
      off += 3;
      len -= 3;
    }
    if (isBlank(buf, off, len)) {
      stats.blankLines++;
      quarantine(out, lineNo, Reasons.BLANK_LINE, "line holds only white space", null, "");
      return;
    }
    if (streaming != null && streaming.process(buf, off, len, lineNo, out)) {
      streamedLines++;
      return;
    }
    JsonNode node;
    try {
      node = mapper.readTree(buf, off, len);
    } catch (StreamConstraintsException e) {
      quarantine(out, lineNo, Reasons.INVALID_JSON, firstLine(e.getMessage()), null, decode(buf, off, len));
      return;
    } catch (IOException e) {
      String message = firstLine(e.getMessage());
      String reason = message.contains("Invalid UTF-8") ? Reasons.INVALID_UTF8 : Reasons.INVALID_JSON;
      quarantine(out, lineNo, reason, message, null, decode(buf, off, len));
      return;
    }
    if (!node.isObject()) {
      quarantine(
          out, lineNo, Reasons.NOT_AN_OBJECT, "expected a JSON object, got " + NodeNormalizer.kind(node),
          null, decode(buf, off, len));
      return;
    }
    int start = off;
    int length = len;
    processObject(node, lineNo, out, () -> decode(buf, start, length));
  }

  /**
   * Processes one parsed JSON object of line (or Parquet row) {@code lineNo}; {@code record} gives
   * the text that goes to the quarantine if it is rejected.
   */
  void processObject(
      JsonNode node, long lineNo, List<InternalRow> out, java.util.function.Supplier<String> record) {
    int before = out.size();
    lineUnknownKeys.clear();
    try {
      if (node.has("message_id")) {
        flatLine(node, lineNo, out);
      } else if (node.has("message_tree_id") && node.has("prompt")) {
        treeLine(node, lineNo, out);
      } else {
        throw new BadRecordException(
            Reasons.UNKNOWN_FORMAT,
            "$: neither a message (no message_id) nor a tree (no message_tree_id and prompt)");
      }
    } catch (BadRecordException e) {
      while (out.size() > before) out.remove(out.size() - 1);
      quarantine(out, lineNo, e.reason, e.getMessage(), null, record.get());
      return;
    }
    stats.linesAccepted++;
    for (Map.Entry<String, Long> e : lineUnknownKeys.entrySet()) {
      stats.unknownKeys.merge(e.getKey(), e.getValue(), Long::sum);
    }
  }

  private void flatLine(JsonNode node, long lineNo, List<InternalRow> out) throws BadRecordException {
    if (format.equals(TREES)) {
      throw new BadRecordException(Reasons.FORMAT_MISMATCH, "$: a message line, but --format trees");
    }
    JsonNode replies = node.get("replies");
    if (replies != null && !(replies.isNull() || (replies.isArray() && replies.size() == 0))) {
      throw new BadRecordException(
          Reasons.UNKNOWN_FORMAT, "$.replies: a message line must not nest replies");
    }
    normalizer.resetShapes();
    Object[] row = new Object[RawRecords.WIDTH];
    normalizer.message(node, "$", row);
    String sourceFormat = flatSourceFormat(normalizer.sawHfShape, normalizer.sawExportShape);
    finishMessage(row, sourceFormat, lineNo);
    out.add(RawRecords.row(row));
    stats.messagesParsed++;
    stats.formats.add(sourceFormat);
  }

  /**
   * The source format of a message line from the shapes its labels and emojis came in, checked
   * against {@code --format}.
   */
  String flatSourceFormat(boolean sawHfShape, boolean sawExportShape) throws BadRecordException {
    String sourceFormat;
    if (sawHfShape && sawExportShape) {
      throw new BadRecordException(
          Reasons.FORMAT_MISMATCH, "$: labels and emojis mix the HF and the export shapes");
    } else if (sawHfShape) {
      if (format.equals(MESSAGES)) {
        throw new BadRecordException(Reasons.FORMAT_MISMATCH, "$: an HF row, but --format messages");
      }
      sourceFormat = HF_JSONL;
    } else if (sawExportShape) {
      if (format.equals("hf") || format.equals(HF_PARQUET)) {
        throw new BadRecordException(Reasons.FORMAT_MISMATCH, "$: an export message, but --format hf");
      }
      sourceFormat = MESSAGES;
    } else {
      sourceFormat = format.equals("hf") ? HF_JSONL : MESSAGES;
    }
    if (format.equals(HF_PARQUET)) sourceFormat = HF_PARQUET;
    return sourceFormat;
  }

  /** Rejects a tree line when {@code --format} names a message format. */
  void checkTreeFormat() throws BadRecordException {
    if (format.equals(MESSAGES) || format.equals("hf") || format.equals(HF_PARQUET)) {
      throw new BadRecordException(Reasons.FORMAT_MISMATCH, "$: a tree line, but --format " + format);
    }
  }

  private void treeLine(JsonNode tree, long lineNo, List<InternalRow> out) throws BadRecordException {
    checkTreeFormat();
    for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!TREE_KEYS.contains(name)) lineUnknownKeys.merge(name, 1L, Long::sum);
    }
    String treeId = NodeNormalizer.requiredString(tree, "message_tree_id", "$");
    String treeState = NodeNormalizer.optionalString(tree, "tree_state", "$");
    String origin = NodeNormalizer.optionalString(tree, "origin", "$");
    JsonNode prompt = tree.get("prompt");
    if (NodeNormalizer.isNull(prompt)) {
      throw new BadRecordException(Reasons.MISSING_FIELD, "$.prompt: missing");
    }
    int before = out.size();
    long[] hash = {0L};
    walk(prompt, "$.prompt", null, null, treeId, treeState, origin, lineNo, out, hash);
    int nodes = out.size() - before;
    out.add(treeMarker(treeId, nodes, hash[0], lineNo));
    stats.treesRead++;
    stats.messagesParsed += nodes;
    stats.formats.add(TREES);
  }

  /** The row that closes a tree line: its id, node count and the sum of its ids' mixes. */
  InternalRow treeMarker(String treeId, int nodes, long hash, long lineNo) {
    Object[] marker = new Object[RawRecords.WIDTH];
    marker[RawRecords.KIND] = RawRecords.KIND_TREE;
    marker[RawRecords.MESSAGE_TREE_ID] = treeId;
    marker[RawRecords.PART_KEY] = "T:" + treeId;
    marker[RawRecords.NODE_COUNT] = nodes;
    marker[RawRecords.TREE_HASH] = hash;
    marker[RawRecords.SOURCE_FORMAT] = TREES;
    marker[RawRecords.SOURCE_FILE] = file;
    marker[RawRecords.SOURCE_LINE] = lineNo;
    return RawRecords.row(marker);
  }

  private void walk(
      JsonNode node, String path, String parentId, Integer replyIndex, String treeId, String treeState,
      String origin, long lineNo, List<InternalRow> out, long[] hash) throws BadRecordException {
    Object[] row = new Object[RawRecords.WIDTH];
    normalizer.message(node, path, row);
    String id = (String) row[RawRecords.MESSAGE_ID];
    String ownTreeId = (String) row[RawRecords.MESSAGE_TREE_ID];
    if (ownTreeId != null && !ownTreeId.equals(treeId)) {
      throw new BadRecordException(
          Reasons.TREE_INCONSISTENT, path + ".message_tree_id: '" + ownTreeId + "' in tree '" + treeId + "'");
    }
    String ownParent = (String) row[RawRecords.PARENT_ID];
    if (parentId == null) {
      if (ownParent != null) {
        throw new BadRecordException(
            Reasons.TREE_INCONSISTENT, path + ".parent_id: the prompt of a tree has a parent");
      }
      if (!id.equals(treeId)) {
        throw new BadRecordException(
            Reasons.TREE_INCONSISTENT,
            path + ".message_id: '" + id + "' differs from the tree id '" + treeId + "'");
      }
    } else if (ownParent == null) {
      row[RawRecords.PARENT_ID] = parentId; // implied by the nesting
    } else if (!ownParent.equals(parentId)) {
      throw new BadRecordException(
          Reasons.TREE_INCONSISTENT,
          path + ".parent_id: '" + ownParent + "' but nested under '" + parentId + "'");
    }
    row[RawRecords.MESSAGE_TREE_ID] = treeId;
    row[RawRecords.TREE_STATE] = treeState;
    row[RawRecords.TREE_ORIGIN] = origin;
    finishMessage(row, TREES, lineNo);
    row[RawRecords.SOURCE_REPLY_INDEX] = replyIndex;
    out.add(RawRecords.row(row));
    hash[0] += mix(id);
    JsonNode replies = node.get("replies");
    if (NodeNormalizer.isNull(replies)) return;
    if (!replies.isArray()) {
      throw new BadRecordException(
          Reasons.WRONG_TYPE, path + ".replies: expected an array, got " + NodeNormalizer.kind(replies));
    }
    for (int i = 0; i < replies.size(); i++) {
      walk(replies.get(i), path + ".replies[" + i + "]", id, i, treeId, treeState, origin, lineNo, out, hash);
    }
  }

  void finishMessage(Object[] row, String sourceFormat, long lineNo) {
    row[RawRecords.KIND] = RawRecords.KIND_MESSAGE;
    row[RawRecords.PART_KEY] = row[RawRecords.MESSAGE_ID];
    row[RawRecords.SOURCE_FORMAT] = sourceFormat;
    row[RawRecords.SOURCE_FILE] = file;
    row[RawRecords.SOURCE_LINE] = lineNo;
  }

  /** A 64-bit mix of a message id; summed over a tree it identifies the tree's set of ids. */
  static long mix(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }

  void quarantine(List<InternalRow> out, long lineNo, String reason, String detail, String messageId, String record) {
    stats.linesQuarantined++;
    out.add(quarantineRow(file, lineNo, reason, detail, messageId, record));
  }

  static InternalRow quarantineRow(
      String file, long lineNo, String reason, String detail, String messageId, String record) {
    Object[] row = new Object[RawRecords.WIDTH];
    row[RawRecords.KIND] = RawRecords.KIND_QUARANTINE;
    row[RawRecords.PART_KEY] = "Q:" + file + ":" + lineNo;
    row[RawRecords.SOURCE_FILE] = file;
    row[RawRecords.SOURCE_LINE] = lineNo;
    row[RawRecords.MESSAGE_ID] = messageId;
    row[RawRecords.REASON] = reason;
    row[RawRecords.DETAIL] = detail;
    row[RawRecords.RECORD] = RawRecords.cut(record);
    return RawRecords.row(row);
  }

  private static boolean isBlank(byte[] buf, int off, int len) {
    for (int i = off; i < off + len; i++) {
      byte b = buf[i];
      if (b != ' ' && b != '\t' && b != '\r') return false;
    }
    return true;
  }

  /** The line as text for the quarantine (invalid bytes replaced), decoding no more than needed. */
  static String decode(byte[] buf, int off, int len) {
    int n = Math.min(len, org.oasst.pipeline.core.schema.Tables.QUARANTINE_RECORD_LIMIT * 4);
    return RawRecords.cut(new String(buf, off, n, StandardCharsets.UTF_8));
  }

  static String firstLine(String message) {
    if (message == null) return "";
    int nl = message.indexOf('\n');
    String first = nl < 0 ? message : message.substring(0, nl);
    return first.length() > 300 ? first.substring(0, 300) : first;
  }

  static List<InternalRow> newBuffer() {
    return new ArrayList<>();
  }
}
