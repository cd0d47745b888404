package org.oasst.pipeline.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;

/** Our exports read back by the project's reader give the same tables; reference counts via the reader. */
class ReaderRoundTripTest {
  @TempDir Path tmp;

  private static Dataset<Row> read(SparkSession spark, String path) {
    return OasstReader.read(spark, List.of(path), ReadOptions.defaults()).messages();
  }

  /** Every column but where it was read from; maps as sorted entry lists (comparable). */
  private static Dataset<Row> comparable(Dataset<Row> messages) {
    String[] cols =
        Arrays.stream(messages.columns())
            .filter(c -> !c.startsWith("source_"))
            .map(c -> c.equals("emojis") || c.equals("labels") ? "array_sort(map_entries(" + c + ")) as " + c : c)
            .toArray(String[]::new);
    return messages.selectExpr(cols);
  }

  @Test
  void exportsReadBackIdentically() {
    SparkSession spark = TestSpark.get();
    Dataset<Row> original = read(spark, TreesFixture.realSample(TestSpark.OPENPAWS).toString()).cache();
    OutputStore store = new OutputStore(spark, tmp.toString());
    PipelineConfig config =
        PipelineConfig.defaults()
            .with("datasets.exports.variants", List.of("all"))
            .with("datasets.exports.gzip", true);
    DatasetOptions opts = DatasetOptions.from(config);
    Exports.writeAll(store, original, opts);
    for (String variant : List.of("all")) {
      Dataset<Row> expected = comparable(Exports.variant(original, variant));
      for (String format : List.of("trees", "messages")) {
        Dataset<Row> back = comparable(read(spark, store.path(Exports.fileName(opts, variant, format))));
        assertEquals(expected.count(), back.count(), variant + " " + format);
        assertEquals(0, expected.exceptAll(back).count(), variant + " " + format);
        assertEquals(0, back.exceptAll(expected).count(), variant + " " + format);
      }
    }
    original.unpersist();
  }

  @Test
  void referenceCountsThroughTheReader() {
    SparkSession spark = TestSpark.get();
    Dataset<Row> messages = read(spark, TreesFixture.realSample(TestSpark.EN_100).toString());
    Map<String, Long> c = ReferenceCountsTest.counts(messages, List.of("en"));
    // top-1, RM and RL do not depend on the order of unranked sibling replies, which the messages
    // table does not carry yet (no sibling_index column): without it the original's "first prompter
    // reply" rule picks another reply in one place, adding one thread to SFT-all and SFT-top-2. With
    // sibling_index the counts are exact (ReferenceCountsTest). See docs/dataset-builders.md.
    assertEquals(98L, c.get("sft_top1"));
    assertEquals(207L, c.get("rm_ranked"));
    assertEquals(475L, c.get("rl_prompts"));
    assertEquals(539L, c.get("sft"), "538 with the source order of replies");
    assertEquals(277L, c.get("sft_top2"), "276 with the source order of replies");
  }
}
