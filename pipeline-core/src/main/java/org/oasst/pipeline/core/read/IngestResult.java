package org.oasst.pipeline.core.read;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What reading the inputs produced.
 *
 * @param messages {@code Tables.MESSAGES}: one row per distinct message
 * @param labels {@code Tables.LABELS}, exploded from messages
 * @param emojis {@code Tables.EMOJIS}, exploded from messages
 * @param quarantine {@code Tables.QUARANTINE}: every rejected line and every conflicting copy
 * @param inputs per file: path, size_bytes, checksum, container, formats (for the manifest)
 * @param reconciliation per file and in total: where every line went (for the manifest)
 * @param unknownKeys occurrences of each unknown key name over all accepted lines
 * @param cached the persisted intermediate results the tables above use; {@link #release()} frees them
 */
public record IngestResult(
    Dataset<Row> messages,
    Dataset<Row> labels,
    Dataset<Row> emojis,
    Dataset<Row> quarantine,
    List<Map<String, Object>> inputs,
    Map<String, Object> reconciliation,
    Map<String, Long> unknownKeys,
    List<Dataset<Row>> cached) {

  /** The reconciliation totals (lines_read, messages_distinct, ...). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> totals() {
    return (Map<String, Object>) reconciliation.get("totals");
  }

  /** The reconciliation entry of one file (by its full path). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> file(String path) {
    return ((Map<String, Map<String, Object>>) reconciliation.get("files")).get(path);
  }

  public void release() {
    for (Dataset<Row> d : cached) d.unpersist(false);
  }
}
