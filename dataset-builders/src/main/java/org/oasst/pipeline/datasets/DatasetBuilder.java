package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;
import org.oasst.pipeline.core.graph.GroupWalk;
import org.oasst.pipeline.datasets.Example.Reply;
import org.oasst.pipeline.datasets.Example.Turn;

/**
 * The one pass over the messages table that every dataset shares: messages are grouped by tree once,
 * each tree is walked in Java ({@link TreeWalker}), and the examples of all datasets come out as rows
 * of one generic schema ({@link #EXAMPLES}), each with its tree's split.
 */
public final class DatasetBuilder {
  private DatasetBuilder() {}

  /**
   * An optional input column: a message's position among its parent's replies in the source file.
   * The official trees export orders unranked replies in an order no other field reproduces, and the
   * original SFT selection depends on which reply comes first, so exact reference counts need it.
   */
  public static final String SIBLING_INDEX = "source_reply_index";

  public static final StructType TURN =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, false),
            createStructField("role", StringType, false),
            createStructField("content", StringType, false),
          });

  public static final StructType REPLY =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, false),
            createStructField("rank", IntegerType, true),
            createStructField("content", StringType, false),
          });

  public static final StructType EXAMPLES =
      createStructType(
          new StructField[] {
            createStructField("dataset", StringType, false),
            createStructField("message_tree_id", StringType, false),
            createStructField("ordinal", IntegerType, false),
            createStructField("split", StringType, false),
            createStructField("lang", StringType, true),
            createStructField("turns", createArrayType(TURN, false), false),
            createStructField("replies", createArrayType(REPLY, false), true),
            createStructField("chosen", REPLY, true),
            createStructField("rejected", REPLY, true),
          });

  /** The per-message columns the walk needs, with the content filters evaluated in Spark. */
  public static Dataset<Row> compactMessages(Dataset<Row> messages, DatasetOptions opts) {
    Column contentOk = lit(true);
    for (Map.Entry<String, Double> e : opts.minLabel.entrySet()) {
      Column value = col("labels").getItem(e.getKey()).getField("value");
      contentOk = contentOk.and(value.isNull().or(value.geq(e.getValue())));
    }
    if (!Double.isNaN(opts.maxToxicity)) {
      Column tox = col("detoxify").getField("toxicity");
      contentOk = contentOk.and(tox.isNull().or(tox.leq(opts.maxToxicity)));
    }
    boolean hasSiblingIndex = Arrays.asList(messages.columns()).contains(SIBLING_INDEX);
    return messages.select(
        col("message_tree_id"),
        col("tree_state"),
        col("message_id"),
        col("parent_id"),
        col("role"),
        col("text"),
        col("lang"),
        col("review_result"),
        col("deleted"),
        col("synthetic"),
        col("rank"),
        (hasSiblingIndex ? col(SIBLING_INDEX).cast(IntegerType) : lit(null).cast(IntegerType)).as(SIBLING_INDEX),
        expr("unix_micros(created_date)").as("created_micros"),
        contentOk.as("content_ok"));
  }

  /**
   * Every example of every requested dataset. {@code malformed}, when given, counts trees skipped as
   * malformed (only with {@code datasets.on_malformed_tree: skip}; otherwise such a tree fails the
   * job with its id and the problem).
   */
  public static Dataset<Row> examples(Dataset<Row> messages, DatasetOptions opts, LongAccumulator malformed) {
    // Grouped by a sort on the tree id and walked group by group on Spark's internal rows: a list
    // aggregate per tree (as collect_list) falls back to sorting anyway beyond 128 trees per task,
    // and Row objects in and out cost more than the walk (every text is copied into several examples).
    return GroupWalk.run(
        compactMessages(messages, opts),
        "message_tree_id",
        EXAMPLES,
        (treeId, rows) -> walkTree(treeId == null ? null : treeId.toString(), rows, opts, malformed));
  }

  /** One tree: its rows of {@link #compactMessages}, in any order; examples as rows of {@link #EXAMPLES}. */
  static List<InternalRow> walkTree(String treeId, List<InternalRow> rows, DatasetOptions opts, LongAccumulator malformed) {
    List<TreeNode> nodes = new ArrayList<>(rows.size());
    String state = null;
    for (InternalRow r : rows) {
      TreeNode n =
          new TreeNode(
              string(r, 2),
              string(r, 3),
              string(r, 4),
              r.isNullAt(5) ? null : r.getUTF8String(5),
              string(r, 6),
              r.isNullAt(7) ? null : r.getBoolean(7),
              !r.isNullAt(8) && r.getBoolean(8),
              !r.isNullAt(9) && r.getBoolean(9),
              r.isNullAt(10) ? null : r.getInt(10),
              r.isNullAt(11) ? null : r.getInt(11),
              r.isNullAt(12) ? null : r.getLong(12),
              !r.isNullAt(13) && r.getBoolean(13));
      if (n.role != null && !n.isPrompter() && !n.isAssistant()) {
        throw new IllegalArgumentException(
            "message " + n.id + " in tree " + treeId + " has role '" + n.role + "' (prompter or assistant expected)");
      }
      // The tree's state is the root's; the flat formats repeat it on every message.
      if (n.parentId == null || state == null) state = string(r, 1);
      nodes.add(n);
    }
    List<Example> examples;
    try {
      if (treeId == null) throw new TreeWalker.MalformedTreeException("(null)", "messages without message_tree_id");
      examples = TreeWalker.walk(treeId, state, nodes, opts);
    } catch (TreeWalker.MalformedTreeException e) {
      if (opts.failOnMalformedTree || malformed == null) throw e;
      malformed.add(1);
      return List.of();
    }
    UTF8String split = UTF8String.fromString(Splits.of(treeId, opts.splitSeed, opts.validationFraction, opts.testFraction));
    UTF8String tree = UTF8String.fromString(treeId);
    Map<String, UTF8String> ids = new HashMap<>();
    List<InternalRow> out = new ArrayList<>(examples.size());
    for (Example e : examples) out.add(toRow(e, tree, split, ids));
    return out;
  }

  private static String string(InternalRow r, int i) {
    return r.isNullAt(i) ? null : r.getUTF8String(i).toString();
  }

  /** An example as a row of {@link #EXAMPLES}; {@code ids} keeps each message id's UTF-8 form. */
  static InternalRow toRow(Example e, UTF8String tree, UTF8String split, Map<String, UTF8String> ids) {
    Object[] turns = new Object[e.turns().size()];
    for (int i = 0; i < turns.length; i++) {
      Turn t = e.turns().get(i);
      turns[i] = new GenericInternalRow(new Object[] {utf8(t.messageId(), ids), utf8(t.role(), ids), t.content()});
    }
    Object[] replies = null;
    if (e.replies() != null) {
      replies = new Object[e.replies().size()];
      for (int i = 0; i < replies.length; i++) replies[i] = replyRow(e.replies().get(i), ids);
    }
    return new GenericInternalRow(
        new Object[] {
          UTF8String.fromString(e.dataset()),
          tree,
          e.ordinal(),
          split,
          e.lang() == null ? null : UTF8String.fromString(e.lang()),
          new GenericArrayData(turns),
          replies == null ? null : new GenericArrayData(replies),
          e.chosen() == null ? null : replyRow(e.chosen(), ids),
          e.rejected() == null ? null : replyRow(e.rejected(), ids)
        });
  }

  private static UTF8String utf8(String s, Map<String, UTF8String> cache) {
    return s == null ? null : cache.computeIfAbsent(s, UTF8String::fromString);
  }

  private static InternalRow replyRow(Reply r, Map<String, UTF8String> ids) {
    return new GenericInternalRow(new Object[] {utf8(r.messageId(), ids), r.rank(), r.content()});
  }
}
