package org.oasst.pipeline.toxicity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;
import org.oasst.pipeline.core.synth.Synth;
import org.oasst.pipeline.core.synth.SynthOptions;

/** Messages of the seeded synthetic generator (hidden toxicity expressed in the words), read once. */
final class SyntheticData {
  private SyntheticData() {}

  private static Dataset<Row> messages;

  static synchronized Dataset<Row> messages() {
    if (messages == null) {
      try {
        Path dir = Files.createTempDirectory("tox-synth");
        String file = dir.resolve("synth.trees.jsonl").toString();
        Synth.write(null, SynthOptions.of(2500).withSeed(11), file);
        messages =
            OasstReader.read(TestSpark.get(), List.of(file), ReadOptions.defaults()).messages()
                .persist(StorageLevel.MEMORY_AND_DISK());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return messages;
  }
}
