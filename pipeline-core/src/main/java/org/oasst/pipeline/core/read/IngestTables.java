package org.oasst.pipeline.core.read;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_json;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The pure table logic of ingest, from the raw rows the readers emit to the normalized tables:
 * duplicate resolution, quarantine assembly and the explosion of labels and emojis.
 */
public final class IngestTables {
  private IngestTables() {}

  static final String COPY = "_copy";
  static final String VARIANTS = "_variants";
  static final String FINGERPRINT = "_fingerprint";

  /** The message columns that define a message's content: all but where it was read. */
  static Column[] contentColumns() {
    return Arrays.stream(Tables.MESSAGES.fieldNames())
        .filter(n -> !n.startsWith("source_"))
        .map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new);
  }

  static Column[] messageColumns() {
    return Arrays.stream(Tables.MESSAGES.fieldNames())
        .map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new);
  }

  /**
   * Every copy of each message_id that occurs more than once, with {@code _variants} (how many
   * different contents its copies have: 1 means identical copies), {@code _copy} (1 for the copy read
   * first, by file and line) and {@code _fingerprint} (the content as JSON). Maps are built with sorted
   * keys by the readers, so equal content gives equal JSON.
   *
   * @param repeatedIds the message ids that occur more than once, as column {@code _part_key}
   */
  static Dataset<Row> duplicateCopies(Dataset<Row> rawMessages, Dataset<Row> repeatedIds) {
    Dataset<Row> copies = rawMessages.join(repeatedIds.hint("shuffle_hash"), "_part_key");
    WindowSpec byId = Window.partitionBy(col("_part_key"));
    return copies
        .withColumn(FINGERPRINT, to_json(struct(contentColumns())))
        .withColumn(VARIANTS, size(collect_set(col(FINGERPRINT)).over(byId)))
        .withColumn(
            COPY, row_number().over(byId.orderBy(col("source_file"), col("source_line"))));
  }

  /** One row per distinct message: unique ids plus the first copy of identical duplicates. */
  static Dataset<Row> distinctMessages(Dataset<Row> rawMessages, Dataset<Row> duplicateCopies) {
    Dataset<Row> repeatedKeys =
        duplicateCopies.select(col("_part_key").as("_dup_key")).distinct();
    Dataset<Row> unique =
        rawMessages.join(
            repeatedKeys.hint("shuffle_hash"), col("_part_key").equalTo(col("_dup_key")), "left_anti");
    Dataset<Row> firstCopies =
        duplicateCopies.filter(col(VARIANTS).equalTo(1).and(col(COPY).equalTo(1)));
    return unique.select(messageColumns()).unionByName(firstCopies.select(messageColumns()));
  }

  /** Conflicting copies as quarantine rows. */
  static Dataset<Row> conflictQuarantine(Dataset<Row> duplicateCopies) {
    return duplicateCopies
        .filter(col(VARIANTS).gt(1))
        .select(
            col("source_file"),
            col("source_line"),
            lit(Reasons.DUPLICATE_CONFLICT).as("reason"),
            concat(
                    lit("message_id occurs with "),
                    col(VARIANTS).cast("string"),
                    lit(" different contents; every copy is quarantined"))
                .as("detail"),
            col("message_id"),
            substring(col(FINGERPRINT), 1, Tables.QUARANTINE_RECORD_LIMIT).as("record"));
  }

  /** Rejected lines as quarantine rows. */
  static Dataset<Row> lineQuarantine(Dataset<Row> rawQuarantine) {
    return rawQuarantine.select(
        col("source_file"),
        col("source_line"),
        col("_reason").as("reason"),
        col("_detail").as("detail"),
        col("message_id"),
        col("_record").as("record"));
  }

  /** {@code Tables.LABELS} from messages. */
  public static Dataset<Row> labels(Dataset<Row> messages) {
    return messages
        .select(col("message_id"), explode(col("labels")).as(new String[] {"name", "_label"}))
        .select(
            col("message_id"),
            col("name"),
            col("_label.value").as("value"),
            col("_label.count").as("count"));
  }

  /** {@code Tables.EMOJIS} from messages. */
  public static Dataset<Row> emojis(Dataset<Row> messages) {
    return messages.select(
        col("message_id"), explode(col("emojis")).as(new String[] {"name", "count"}));
  }
}
