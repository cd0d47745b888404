package org.oasst.pipeline.jobs.commands;

import java.util.List;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;

public final class ToxicityCommand extends StageCommand {
  static final List<Option> OPTIONS =
      List.of(Option.value("toxicity-model", "PATH", "reuse a scorer saved by an earlier run instead of training one"));

  @Override
  public String name() {
    return "toxicity";
  }

  @Override
  public String summary() {
    return "human labels versus Detoxify, deleted versus retained, and a text scorer for unscored messages";
  }

  @Override
  public String usage() {
    return "--output DIR [--toxicity-model PATH]";
  }

  @Override
  List<Option> extraOptions() {
    return OPTIONS;
  }

  @Override
  void applyFlags(Args args, JobContext context) {
    applyToxicityFlags(args, context);
  }

  static void applyToxicityFlags(Args args, JobContext context) {
    if (args.has("toxicity-model")) {
      context.setConfig(context.config().with("toxicity.model_path", args.get("toxicity-model", null)));
    }
  }

  @Override
  void runStage(JobContext context, OutputStore store) {
    Stages.toxicity(context, store);
  }
}
