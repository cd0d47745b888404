package org.oasst.pipeline.core.synth;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.synth.SynthOptions.Format;
import org.oasst.pipeline.core.synth.SynthOptions.NullStyle;

/**
 * Generated files read back through the project's reader to the same table, whatever the format,
 * null style, escaping or unknown keys. (HF JSONL carries the same rows as the messages format, which
 * SyntheticGeneratorTest checks with Jackson; it is left out here to keep the Spark time down.)
 */
class SynthReadBackTest {

  @Test
  void everyFormatReadsBackToTheSameMessages(@TempDir Path dir) {
    SparkSession spark = TestSpark.get();
    SynthOptions base = SynthOptions.of(300).withSeed(31);
    SynthSummary trees =
        Synth.write(null, base.withGzip(true).withUnknownKeys(true), dir.resolve("a.trees.jsonl.gz").toString());
    Synth.write(
        null,
        base.withFormat(Format.MESSAGES).withNullStyle(NullStyle.DROP).withAsciiOnly(false),
        dir.resolve("b.messages.jsonl").toString());
    Synth.write(spark, base.withFormat(Format.HF_PARQUET).withPartitions(1), dir.resolve("d.parquet").toString());

    Dataset<Row> expected = null;
    for (String name : List.of("a.trees.jsonl.gz", "b.messages.jsonl", "d.parquet")) {
      IngestResult r = OasstReader.read(spark, List.of(dir.resolve(name).toString()), ReadOptions.defaults());
      try {
        assertEquals(0, r.quarantine().count(), name + ": quarantined lines");
        Dataset<Row> comparable = comparable(r.messages()).cache();
        assertEquals(trees.messages(), comparable.count(), name + ": message count");
        if (name.startsWith("a.")) {
          assertTrue(r.unknownKeys().containsKey("CRITERIA"), "unknown key reported: " + r.unknownKeys());
          expected = comparable;
        } else {
          Dataset<Row> missing = expected.exceptAll(comparable);
          if (missing.count() > 0) {
            Row m = missing.first();
            Row other = comparable.where(col("message_id").equalTo(m.getString(0))).first();
            for (int i = 0; i < m.size(); i++) {
              if (!java.util.Objects.equals(String.valueOf(m.get(i)), String.valueOf(other.get(i)))) {
                System.out.println("DIFF " + name + " col " + comparable.columns()[i] + ": " + m.get(i) + " vs " + other.get(i));
              }
            }
          }
          assertEquals(0, missing.count(), name + " lacks rows of the trees file");
          assertEquals(0, comparable.exceptAll(expected).count(), name + " has rows the trees file lacks");
        }
      } finally {
        r.release();
      }
    }
  }

  /**
   * A map as its sorted entries; an empty map as null, since HF rows spell "no emojis" as empty
   * arrays where the official formats write null.
   */
  private static Column sortedEntries(String map) {
    return when(size(col(map)).gt(0), array_sort(map_entries(col(map)))).as(map);
  }

  /** Every content column; maps as sorted entry arrays so that set operations work. */
  private static Dataset<Row> comparable(Dataset<Row> messages) {
    Column[] cols = {
      col("message_id"), col("parent_id"), col("message_tree_id"), col("tree_state"), col("user_id"),
      col("created_date"), col("text"), col("role"), col("lang"), col("review_count"),
      col("review_result"), col("deleted"), col("rank"), col("synthetic"), col("model_name"),
      sortedEntries("emojis"), sortedEntries("labels"), col("detoxify")
    };
    return messages.select(cols);
  }
}
