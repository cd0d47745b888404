package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The dataset variants as the original project publishes them, in its trees and messages JSON Lines
 * formats: {@code ready} (trees in ready_for_export), {@code all} (every tree), {@code spam} (deleted
 * or rejected messages, messages format only) and {@code prompts} (initial prompts only, messages
 * format only). Keys with null values are left out, as the official exporter does; replies are ordered
 * by rank with unranked last; trees are written in message_tree_id order, so reruns give identical
 * files.
 */
public final class Exports {
  private Exports() {}

  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  /** The relative path of one export file. */
  public static String fileName(DatasetOptions opts, String variant, String format) {
    return "exports/" + opts.exportPrefix + "_" + variant + "." + format + ".jsonl" + (opts.exportGzip ? ".gz" : "");
  }

  public static void writeAll(OutputStore store, Dataset<Row> messages, DatasetOptions opts) {
    for (String variant : opts.exportVariants) {
      Dataset<Row> subset = variant(messages, variant);
      boolean wholeTrees = variant.equals("all") || variant.equals("ready");
      for (String format : opts.exportFormats) {
        if (format.equals("trees") && !wholeTrees) continue;
        Dataset<String> lines =
            wholeTrees ? treeLines(subset, format.equals("trees")) : flatLines(subset);
        writeLines(store, fileName(opts, variant, format), lines, opts.exportGzip);
      }
    }
  }

  /** The messages of one published variant. */
  public static Dataset<Row> variant(Dataset<Row> messages, String variant) {
    switch (variant) {
      case "all":
        return messages;
      case "ready":
        return messages.filter(col("tree_state").equalTo("ready_for_export"));
      case "spam":
        return messages.filter(col("deleted").equalTo(true).or(col("review_result").equalTo(false)));
      case "prompts":
        return messages.filter(col("parent_id").isNull());
      default:
        throw new IllegalArgumentException("unknown export variant " + variant);
    }
  }

  /** Whole trees: one JSON line per tree (trees format) or one per message, depth-first (messages format). */
  public static Dataset<String> treeLines(Dataset<Row> messages, boolean treesFormat) {
    String[] fields = messages.columns();
    Column[] cols = Arrays.stream(fields).map(f -> col("`" + f + "`")).toArray(Column[]::new);
    Dataset<Row> grouped =
        messages.groupBy(col("message_tree_id")).agg(collect_list(struct(cols)).as("nodes")).orderBy("message_tree_id");
    return grouped.map(
        (MapFunction<Row, String>) tree -> treeText(tree.getString(0), tree.getList(1), treesFormat),
        Encoders.STRING());
  }

  /** Single messages in messages format, ordered by tree then id. */
  public static Dataset<String> flatLines(Dataset<Row> messages) {
    return messages
        .orderBy("message_tree_id", "message_id")
        .map((MapFunction<Row, String>) r -> nodeJson(r, null, true), Encoders.STRING());
  }

  static String treeText(String treeId, List<Row> rows, boolean treesFormat) throws IOException {
    List<TreeNode> nodes = new ArrayList<>(rows.size());
    Map<String, Row> byId = new HashMap<>();
    for (Row r : rows) {
      String id = r.getAs("message_id");
      byId.put(id, r);
      nodes.add(
          new TreeNode(
              id,
              r.getAs("parent_id"),
              r.getAs("role"),
              null,
              null,
              null,
              false,
              false,
              r.getAs("rank"),
              siblingIndex(r),
              micros(r.getAs("created_date")),
              true));
    }
    List<TreeNode> preorder = TreeWalker.link(treeId, nodes);
    if (!treesFormat) {
      StringBuilder out = new StringBuilder();
      for (TreeNode n : preorder) {
        if (out.length() > 0) out.append('\n');
        out.append(nodeJson(byId.get(n.id), null, true));
      }
      return out.toString();
    }
    TreeNode root = preorder.get(0);
    Row rootRow = byId.get(root.id);
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("message_tree_id", treeId);
      stringField(g, "tree_state", rootRow.getAs("tree_state"));
      g.writeFieldName("prompt");
      writeNested(g, root, byId);
      stringField(g, "origin", rootRow.getAs("tree_origin"));
      g.writeEndObject();
    }
    return w.toString();
  }

  /** Nested nodes, written without recursion: a deep chain cannot overflow the stack. */
  private static void writeNested(JsonGenerator g, TreeNode root, Map<String, Row> byId) throws IOException {
    // Each frame: the node and how many of its replies are written so far.
    Deque<int[]> progress = new ArrayDeque<>();
    Deque<TreeNode> path = new ArrayDeque<>();
    openNode(g, byId.get(root.id));
    path.push(root);
    progress.push(new int[] {0});
    while (!path.isEmpty()) {
      TreeNode n = path.peek();
      int[] next = progress.peek();
      if (next[0] < n.children().size()) {
        TreeNode child = n.children().get(next[0]++);
        openNode(g, byId.get(child.id));
        path.push(child);
        progress.push(new int[] {0});
      } else {
        g.writeEndArray();
        closeNode(g, byId.get(n.id));
        path.pop();
        progress.pop();
      }
    }
  }

  /** Fields before {@code replies}, then the opening of the replies list. */
  private static void openNode(JsonGenerator g, Row r) throws IOException {
    g.writeStartObject();
    leadingFields(g, r);
    g.writeArrayFieldStart("replies");
  }

  private static void closeNode(JsonGenerator g, Row r) throws IOException {
    trailingFields(g, r, false);
    g.writeEndObject();
  }

  static String nodeJson(Row r, Object unused, boolean flat) throws IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      leadingFields(g, r);
      trailingFields(g, r, flat);
      g.writeEndObject();
    }
    return w.toString();
  }

  private static void leadingFields(JsonGenerator g, Row r) throws IOException {
    stringField(g, "message_id", r.getAs("message_id"));
    stringField(g, "parent_id", r.getAs("parent_id"));
    stringField(g, "user_id", r.getAs("user_id"));
    Timestamp created = r.getAs("created_date");
    if (created != null) g.writeStringField("created_date", isoDate(created));
    stringField(g, "text", r.getAs("text"));
    stringField(g, "role", r.getAs("role"));
    stringField(g, "lang", r.getAs("lang"));
    Integer reviewCount = r.getAs("review_count");
    if (reviewCount != null) g.writeNumberField("review_count", reviewCount);
    Boolean reviewResult = r.getAs("review_result");
    if (reviewResult != null) g.writeBooleanField("review_result", reviewResult);
    Boolean deleted = r.getAs("deleted");
    if (deleted != null) g.writeBooleanField("deleted", deleted);
    Integer rank = r.getAs("rank");
    if (rank != null) g.writeNumberField("rank", rank);
    Boolean synthetic = r.getAs("synthetic");
    if (synthetic != null) g.writeBooleanField("synthetic", synthetic);
    stringField(g, "model_name", r.getAs("model_name"));
    Map<String, Integer> emojis = javaMap(r, "emojis");
    if (emojis != null) {
      g.writeObjectFieldStart("emojis");
      for (Map.Entry<String, Integer> e : new TreeMap<>(emojis).entrySet()) {
        if (e.getValue() == null) g.writeNullField(e.getKey());
        else g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    }
  }

  private static void trailingFields(JsonGenerator g, Row r, boolean flat) throws IOException {
    Map<String, Row> labels = javaMap(r, "labels");
    if (labels != null) {
      g.writeObjectFieldStart("labels");
      for (Map.Entry<String, Row> e : new TreeMap<>(labels).entrySet()) {
        g.writeObjectFieldStart(e.getKey());
        Row v = e.getValue();
        if (v != null && !v.isNullAt(0)) g.writeNumberField("value", v.getDouble(0));
        else g.writeNullField("value");
        if (v != null && !v.isNullAt(1)) g.writeNumberField("count", v.getInt(1));
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    String events = r.getAs("events");
    if (events != null) {
      g.writeFieldName("events");
      g.writeRawValue(events);
    }
    Row detox = r.getAs("detoxify");
    if (detox != null) {
      g.writeObjectFieldStart("detoxify");
      for (int i = 0; i < Tables.DETOXIFY_CATEGORIES.size(); i++) {
        if (!detox.isNullAt(i)) g.writeNumberField(Tables.DETOXIFY_CATEGORIES.get(i), detox.getDouble(i));
      }
      g.writeEndObject();
    }
    if (flat) {
      stringField(g, "message_tree_id", r.getAs("message_tree_id"));
      stringField(g, "tree_state", r.getAs("tree_state"));
    }
  }

  private static void stringField(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) g.writeStringField(name, value);
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> javaMap(Row r, String field) {
    int i = r.fieldIndex(field);
    if (r.isNullAt(i)) return null;
    return (Map<String, V>) (Map<?, ?>) r.getJavaMap(i);
  }

  private static Integer siblingIndex(Row r) {
    try {
      int i = r.fieldIndex(DatasetBuilder.SIBLING_INDEX);
      return r.isNullAt(i) ? null : ((Number) r.get(i)).intValue();
    } catch (IllegalArgumentException absent) {
      return null;
    }
  }

  private static Long micros(Timestamp t) {
    return t == null ? null : t.getTime() / 1000 * 1_000_000 + (t.getNanos() / 1000) % 1_000_000;
  }

  /** Python's isoformat of an aware UTC datetime: microseconds only when non-zero. */
  static String isoDate(Timestamp t) {
    var instant = t.toInstant();
    DateTimeFormatter f = instant.getNano() / 1000 == 0 ? SECONDS : MICROS;
    return f.format(instant) + "+00:00";
  }

  /** Streams the lines, in order, into one file (gzip optional) written atomically through the store. */
  static void writeLines(OutputStore store, String relPath, Dataset<String> lines, boolean gzip) {
    store.writeAtomically(
        relPath,
        staging -> {
          Path path = new Path(staging);
          try {
            FileSystem fs = path.getFileSystem(store.spark().sparkContext().hadoopConfiguration());
            // The local file system's checksum wrapper would leave a .crc file beside the export.
            if (fs instanceof LocalFileSystem) fs = ((LocalFileSystem) fs).getRawFileSystem();
            try (OutputStream raw = fs.create(path, false);
                OutputStream buffered = new BufferedOutputStream(gzip ? new GZIPOutputStream(raw, 1 << 16) : raw, 1 << 16)) {
              Iterator<String> it = lines.toLocalIterator();
              while (it.hasNext()) {
                buffered.write(it.next().getBytes(StandardCharsets.UTF_8));
                buffered.write('\n');
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + relPath, e);
          }
          return null;
        });
  }
}
