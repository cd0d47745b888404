package org.oasst.pipeline.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;

/** The counts the original training code gives on the real samples (data/real/README.md). */
class ReferenceCountsTest {
  private static final List<String> ALL = List.of("sft", "sft_top1", "sft_top2", "rm_ranked", "rl_prompts");

  static Map<String, Long> counts(Dataset<Row> messages, List<String> langs) {
    DatasetOptions opts =
        DatasetOptions.from(
            PipelineConfig.defaults()
                .with("datasets.compat", "reference")
                .with("datasets.languages", langs)
                .with("datasets.build", ALL));
    Map<String, Long> out = new HashMap<>();
    for (Row r : DatasetBuilder.examples(messages, opts, null).groupBy("dataset").count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    for (String d : ALL) out.putIfAbsent(d, 0L);
    return out;
  }

  private static Map<String, Long> expected(long sft, long top1, long top2, long rm, long rl) {
    return Map.of("sft", sft, "sft_top1", top1, "sft_top2", top2, "rm_ranked", rm, "rl_prompts", rl);
  }

  @Test
  void en100TreesMatchTheOriginal() throws Exception {
    SparkSession spark = TestSpark.get();
    Dataset<Row> messages = TreesFixture.read(spark, TreesFixture.realSample(TestSpark.EN_100), true).cache();
    assertEquals(1167, messages.count());
    assertEquals(expected(538, 98, 276, 207, 475), counts(messages, List.of("en")));
  }

  /** The product's own path: the project's reader, which keeps the reply order of trees files. */
  @Test
  void throughTheReaderBothSamplesMatchTheOriginal() {
    SparkSession spark = TestSpark.get();
    Dataset<Row> en100 = read(spark, TestSpark.EN_100);
    assertEquals(expected(538, 98, 276, 207, 475), counts(en100, List.of("en")));
    Dataset<Row> openpaws = read(spark, TestSpark.OPENPAWS);
    assertEquals(expected(259, 47, 137, 116, 202), counts(openpaws, List.of("en")));
    assertEquals(expected(362, 73, 206, 163, 268), counts(openpaws, List.of("en", "es")));
  }

  private static Dataset<Row> read(SparkSession spark, String sample) {
    return OasstReader.read(spark, List.of(TestSpark.realSample(sample).toString()), ReadOptions.defaults())
        .messages()
        .cache();
  }

  @Test
  void openpawsMatchesTheOriginalForEnglishAndForEnglishAndSpanish() throws Exception {
    SparkSession spark = TestSpark.get();
    Dataset<Row> messages = TreesFixture.read(spark, TreesFixture.realSample(TestSpark.OPENPAWS), true).cache();
    assertEquals(1500, messages.count());
    assertEquals(expected(259, 47, 137, 116, 202), counts(messages, List.of("en")));
    assertEquals(expected(362, 73, 206, 163, 268), counts(messages, List.of("en", "es")));
  }
}
