package org.oasst.pipeline.jobs.commands;

import java.net.URI;
import java.nio.file.Paths;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.synth.Synth;
import org.oasst.pipeline.core.synth.SynthOptions;
import org.oasst.pipeline.core.synth.SynthSummary;
import org.oasst.pipeline.jobs.cli.JobContext;

/** The embedded default input of {@code run}: a synthetic OASST export made on the fly. */
final class DefaultInput {
  private DefaultInput() {}

  /**
   * Writes the synthetic input under {@code DIR/input/} and returns its path. On a local disk it is
   * a gzip trees file, the form the official exports come in; on a cluster file system it is Parquet
   * written by Spark, since the JSONL writer writes through the local file system only.
   */
  static String synthesize(JobContext context, OutputStore store, long trees) {
    String dir = store.path("input");
    boolean local = dir.startsWith("file:");
    SynthOptions options = SynthOptions.fromConfig(context.config()).withTrees(trees);
    SynthSummary summary =
        context.stage(
            "synth",
            () ->
                local
                    ? Synth.write(null, options.withGzip(true), Paths.get(URI.create(dir)).resolve("synthetic.trees.jsonl.gz").toString())
                    : Synth.write(context.spark(), options.withFormat(SynthOptions.Format.HF_PARQUET), dir + "/synthetic.parquet"),
            s -> String.format("%,d trees, %,d messages -> %s", s.trees(), s.messages(), s.path()));
    return summary.path();
  }
}
