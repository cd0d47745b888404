package org.oasst.pipeline.core.read;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The one row shape the per-file readers emit, so that a single pass over each file yields messages,
 * quarantined lines, tree markers and the file's statistics together. Columns: those of
 * {@link Tables#MESSAGES} (all nullable here) followed by the extras below.
 */
final class RawRecords {
  private RawRecords() {}

  static final String KIND_MESSAGE = "M";
  static final String KIND_QUARANTINE = "Q";
  static final String KIND_TREE = "T";
  static final String KIND_FILE = "F";

  static final int MESSAGE_FIELDS = Tables.MESSAGES.fields().length;

  // Positions of message columns the readers fill by index.
  static final int MESSAGE_ID = Tables.MESSAGES.fieldIndex("message_id");
  static final int PARENT_ID = Tables.MESSAGES.fieldIndex("parent_id");
  static final int MESSAGE_TREE_ID = Tables.MESSAGES.fieldIndex("message_tree_id");
  static final int TREE_STATE = Tables.MESSAGES.fieldIndex("tree_state");
  static final int USER_ID = Tables.MESSAGES.fieldIndex("user_id");
  static final int CREATED_DATE = Tables.MESSAGES.fieldIndex("created_date");
  static final int TEXT = Tables.MESSAGES.fieldIndex("text");
  static final int ROLE = Tables.MESSAGES.fieldIndex("role");
  static final int LANG = Tables.MESSAGES.fieldIndex("lang");
  static final int REVIEW_COUNT = Tables.MESSAGES.fieldIndex("review_count");
  static final int REVIEW_RESULT = Tables.MESSAGES.fieldIndex("review_result");
  static final int DELETED = Tables.MESSAGES.fieldIndex("deleted");
  static final int RANK = Tables.MESSAGES.fieldIndex("rank");
  static final int SYNTHETIC = Tables.MESSAGES.fieldIndex("synthetic");
  static final int MODEL_NAME = Tables.MESSAGES.fieldIndex("model_name");
  static final int EMOJIS = Tables.MESSAGES.fieldIndex("emojis");
  static final int LABELS = Tables.MESSAGES.fieldIndex("labels");
  static final int DETOXIFY = Tables.MESSAGES.fieldIndex("detoxify");
  static final int EVENTS = Tables.MESSAGES.fieldIndex("events");
  static final int TREE_ORIGIN = Tables.MESSAGES.fieldIndex("tree_origin");
  static final int SOURCE_FORMAT = Tables.MESSAGES.fieldIndex("source_format");
  static final int SOURCE_FILE = Tables.MESSAGES.fieldIndex("source_file");
  static final int SOURCE_LINE = Tables.MESSAGES.fieldIndex("source_line");
  static final int SOURCE_REPLY_INDEX = Tables.MESSAGES.fieldIndex("source_reply_index");

  // The extras.
  static final int KIND = MESSAGE_FIELDS;
  /** message_id for messages, the tree id for tree markers, file:line otherwise: spreads the rows. */
  static final int PART_KEY = MESSAGE_FIELDS + 1;
  /** Tree markers: number of nodes of the tree line. */
  static final int NODE_COUNT = MESSAGE_FIELDS + 2;
  /** Tree markers: an order-independent hash of the tree's message ids. */
  static final int TREE_HASH = MESSAGE_FIELDS + 3;
  static final int REASON = MESSAGE_FIELDS + 4;
  static final int DETAIL = MESSAGE_FIELDS + 5;
  static final int RECORD = MESSAGE_FIELDS + 6;
  /** File statistics: JSON. */
  static final int STATS = MESSAGE_FIELDS + 7;
  static final int WIDTH = MESSAGE_FIELDS + 8;

  static final StructType SCHEMA = schema();

  private static StructType schema() {
    List<StructField> fields = new ArrayList<>();
    for (StructField f : Tables.MESSAGES.fields()) {
      fields.add(createStructField(f.name(), f.dataType(), true));
    }
    fields.add(createStructField("_kind", StringType, false));
    fields.add(createStructField("_part_key", StringType, true));
    fields.add(createStructField("_node_count", IntegerType, true));
    fields.add(createStructField("_tree_hash", LongType, true));
    fields.add(createStructField("_reason", StringType, true));
    fields.add(createStructField("_detail", StringType, true));
    fields.add(createStructField("_record", StringType, true));
    fields.add(createStructField("_stats", StringType, true));
    return new StructType(fields.toArray(StructField[]::new));
  }

  /** The row as Spark's internal row: no per-row encoder, and Java maps, Instants and strings as is. */
  static InternalRow row(Object[] v) {
    Object[] out = new Object[v.length];
    for (int i = 0; i < v.length; i++) {
      Object x = v[i];
      if (x == null) continue;
      if (x instanceof String s) {
        out[i] = UTF8String.fromString(s);
      } else if (x instanceof Instant t) {
        out[i] = t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
      } else if (x instanceof Map<?, ?> m) {
        Object[] keys = new Object[m.size()];
        Object[] values = new Object[m.size()];
        int j = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          keys[j] = UTF8String.fromString((String) e.getKey());
          values[j] = e.getValue();
          j++;
        }
        out[i] = new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
      } else {
        out[i] = x; // boxed numbers and booleans, and the internal rows of structs
      }
    }
    return new GenericInternalRow(out);
  }

  static Dataset<Row> frame(SparkSession spark, JavaRDD<InternalRow> rows) {
    return spark.internalCreateDataFrame(rows.rdd(), SCHEMA, false);
  }

  static String cut(String record) {
    if (record == null) return null;
    if (record.length() <= Tables.QUARANTINE_RECORD_LIMIT) return record;
    return record.substring(0, Tables.QUARANTINE_RECORD_LIMIT);
  }
}
