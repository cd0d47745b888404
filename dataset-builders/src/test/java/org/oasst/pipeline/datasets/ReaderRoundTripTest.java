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
}
