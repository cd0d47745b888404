package org.oasst.pipeline.jobs.commands;

import java.util.List;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;

public final class IngestCommand extends StageCommand {
  static final List<Option> INPUT_OPTIONS =
      List.of(
          Option.values("input", "PATH", "input files, folders or glob patterns (trees/messages JSONL, HF JSONL/Parquet, .gz)"),
          Option.value("format", "FORMAT", "auto (default: detected line by line), trees, messages, hf or parquet"),
          Option.flag("pseudonymize-users", "replace user ids by a keyed hash (key: OASST_PSEUDONYM_KEY or --pseudonym-key-file)"),
          Option.value("pseudonym-key-file", "FILE", "file holding the pseudonymization key"));

  private List<String> inputs;

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public String summary() {
    return "read OASST inputs into tables/messages, labels, emojis (rejects to quarantine/)";
  }

  @Override
  public String usage() {
    return "--input PATH... --output DIR [--format auto|trees|messages|hf|parquet] [--pseudonymize-users]";
  }

  @Override
  List<Option> extraOptions() {
    return INPUT_OPTIONS;
  }

  @Override
  void applyFlags(Args args, JobContext context) {
    inputs = args.all("input");
    if (inputs.isEmpty()) throw new UsageException("--input is required");
    applyInputFlags(args, context);
  }

  static void applyInputFlags(Args args, JobContext context) {
    if (args.has("format")) context.setConfig(context.config().with("ingest.format", args.get("format", "auto")));
    if (args.has("pseudonymize-users")) context.setConfig(context.config().with("ingest.pseudonymize_users", true));
    if (args.has("pseudonym-key-file")) {
      context.setConfig(context.config().with("ingest.pseudonym_key_file", args.get("pseudonym-key-file", null)));
    }
  }

  @Override
  void runStage(JobContext context, OutputStore store) {
    Stages.ingest(context, store, inputs);
  }
}
