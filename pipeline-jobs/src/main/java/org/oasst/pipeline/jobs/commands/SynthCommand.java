package org.oasst.pipeline.jobs.commands;

import java.util.ArrayList;
import java.util.List;
import org.oasst.pipeline.core.synth.SynthMain;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.Command;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;

/** {@code synth}: OASST-shaped input of any size, seeded and deterministic. */
public final class SynthCommand implements Command {
  private static final List<Option> OPTIONS =
      List.of(
          Option.value("trees", "N", "number of conversation trees (about 2.5 messages each)"),
          Option.value("output", "PATH", "the file to write (a folder for hf-parquet; - for stdout)"),
          Option.value("seed", "S", "seed (default 42): the same seed gives the same bytes"),
          Option.value("format", "FORMAT", "trees (default), messages, hf-jsonl or hf-parquet"),
          Option.flag("gzip", "gzip the JSONL output"),
          Option.value("null-style", "STYLE", "write (default: null keys written) or drop"),
          Option.flag("unknown-keys", "add a few keys no reader knows, as third-party files have"),
          Option.flag("raw-utf8", "write non-ASCII text as UTF-8 instead of \\u escapes"),
          Option.value("threads", "T", "generator threads (the bytes do not depend on it)"),
          Option.value("partitions", "P", "Spark partitions for hf-parquet"));

  @Override
  public String name() {
    return "synth";
  }

  @Override
  public String summary() {
    return "write a synthetic OASST input of any size (trees/messages/HF JSONL, HF Parquet)";
  }

  @Override
  public String usage() {
    return "--trees N --output PATH [--seed S] [--format trees|messages|hf-jsonl|hf-parquet] [--gzip]";
  }

  @Override
  public List<Option> options() {
    return OPTIONS;
  }

  @Override
  public int execute(Args args, JobContext context) {
    List<String> argv = new ArrayList<>();
    for (Option o : OPTIONS) {
      if (!args.has(o.name())) continue;
      argv.add("--" + o.name());
      if (o.takesValue()) argv.add(args.get(o.name(), null));
    }
    try {
      context.stage("synth", () -> SynthMain.run(argv.toArray(new String[0]), context::spark), null);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage().lines().findFirst().orElse(e.getMessage()));
    }
    return 0;
  }
}
