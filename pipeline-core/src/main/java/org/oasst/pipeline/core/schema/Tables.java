package org.oasst.pipeline.core.schema;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The normalized tables every stage after ingest reads. These schemas are the contract between the
 * modules: analyses and builders take {@code Dataset<Row>} of exactly these shapes.
 */
public final class Tables {
  private Tables() {}

  /** The seven Detoxify categories, in the order the exports write them. */
  public static final List<String> DETOXIFY_CATEGORIES =
      List.of(
          "toxicity",
          "severe_toxicity",
          "obscene",
          "identity_attack",
          "insult",
          "threat",
          "sexual_explicit");

  public static final StructType DETOXIFY =
      createStructType(
          DETOXIFY_CATEGORIES.stream()
              .map(c -> createStructField(c, DoubleType, true))
              .toArray(StructField[]::new));

  public static final StructType LABEL_VALUE =
      createStructType(
          new StructField[] {
            createStructField("value", DoubleType, true), createStructField("count", IntegerType, true)
          });

  /**
   * One row per distinct message. Every field of the reference's section 2.1; {@code labels} and
   * {@code emojis} are kept here as maps for convenience and are also exploded into their own tables.
   * {@code message_tree_id} and {@code tree_state} are filled for every message, whatever the source
   * format. {@code source_*} say where the (first) copy of the message was read;
   * {@code source_reply_index} is the message's position among its parent's {@code replies} in a trees
   * file (null for the flat formats, which have no such order): the original training code's
   * selection depends on that order, so {@code --compat reference} needs it to match exactly.
   */
  public static final StructType MESSAGES =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, false),
            createStructField("parent_id", StringType, true),
            createStructField("message_tree_id", StringType, true),
            createStructField("tree_state", StringType, true),
            createStructField("user_id", StringType, true),
            createStructField("created_date", TimestampType, true),
            createStructField("text", StringType, false),
            createStructField("role", StringType, false),
            createStructField("lang", StringType, true),
            createStructField("review_count", IntegerType, true),
            createStructField("review_result", BooleanType, true),
            createStructField("deleted", BooleanType, true),
            createStructField("rank", IntegerType, true),
            createStructField("synthetic", BooleanType, true),
            createStructField("model_name", StringType, true),
            createStructField("emojis", createMapType(StringType, IntegerType, true), true),
            createStructField("labels", createMapType(StringType, LABEL_VALUE, true), true),
            createStructField("detoxify", DETOXIFY, true),
            createStructField("events", StringType, true),
            createStructField("tree_origin", StringType, true),
            createStructField("source_format", StringType, false),
            createStructField("source_file", StringType, false),
            createStructField("source_line", LongType, false),
            createStructField("source_reply_index", IntegerType, true),
          });

  /**
   * The rows of the published Hugging Face datasets (OpenAssistant/oasst1, oasst2), with the types
   * their dataset card declares: flat messages whose labels and emojis are parallel arrays. The
   * Parquet reader reads with it and the synthetic generator writes with it.
   */
  public static final StructType HF_MESSAGES =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, true),
            createStructField("parent_id", StringType, true),
            createStructField("user_id", StringType, true),
            createStructField("created_date", StringType, true),
            createStructField("text", StringType, true),
            createStructField("role", StringType, true),
            createStructField("lang", StringType, true),
            createStructField("review_count", IntegerType, true),
            createStructField("review_result", BooleanType, true),
            createStructField("deleted", BooleanType, true),
            createStructField("rank", IntegerType, true),
            createStructField("synthetic", BooleanType, true),
            createStructField("model_name", StringType, true),
            createStructField("detoxify", DETOXIFY, true),
            createStructField("message_tree_id", StringType, true),
            createStructField("tree_state", StringType, true),
            createStructField(
                "emojis",
                createStructType(
                    new StructField[] {
                      createStructField("name", createArrayType(StringType, true), true),
                      createStructField("count", createArrayType(IntegerType, true), true)
                    }),
                true),
            createStructField(
                "labels",
                createStructType(
                    new StructField[] {
                      createStructField("name", createArrayType(StringType, true), true),
                      createStructField("value", createArrayType(DoubleType, true), true),
                      createStructField("count", createArrayType(IntegerType, true), true)
                    }),
                true),
          });

  /** One row per message and label name. */
  public static final StructType LABELS =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, false),
            createStructField("name", StringType, false),
            createStructField("value", DoubleType, true),
            createStructField("count", IntegerType, true),
          });

  /** One row per message and emoji name. */
  public static final StructType EMOJIS =
      createStructType(
          new StructField[] {
            createStructField("message_id", StringType, false),
            createStructField("name", StringType, false),
            createStructField("count", IntegerType, true),
          });

  /**
   * Rejected input. {@code message_id} is set when the rejection concerns one message (a conflicting
   * duplicate) rather than a whole line. {@code record} holds the offending line, cut to
   * {@link #QUARANTINE_RECORD_LIMIT} characters.
   */
  public static final StructType QUARANTINE =
      createStructType(
          new StructField[] {
            createStructField("source_file", StringType, false),
            createStructField("source_line", LongType, false),
            createStructField("reason", StringType, false),
            createStructField("detail", StringType, true),
            createStructField("message_id", StringType, true),
            createStructField("record", StringType, true),
          });

  public static final int QUARANTINE_RECORD_LIMIT = 4096;

  /** The roles the data knows. */
  public static final String PROMPTER = "prompter";

  public static final String ASSISTANT = "assistant";
}
