package org.oasst.pipeline.jobs.commands;

import java.util.List;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;

public final class BuildCommand extends StageCommand {
  static final List<Option> OPTIONS =
      List.of(
          Option.value("compat", "MODE", "'reference' reproduces the original training code's selection exactly"),
          Option.value("seed", "S", "seed of the split by tree (default 42)"));

  @Override
  public String name() {
    return "build";
  }

  @Override
  public String summary() {
    return "training datasets: sft, sft_top1, rm_pairs, rm_ranked, rl_prompts, exports; split by tree, with cards";
  }

  @Override
  public String usage() {
    return "--output DIR [--compat reference] [--seed S]";
  }

  @Override
  List<Option> extraOptions() {
    return OPTIONS;
  }

  @Override
  void applyFlags(Args args, JobContext context) {
    applyBuildFlags(args, context);
  }

  static void applyBuildFlags(Args args, JobContext context) {
    if (args.has("compat")) {
      String mode = args.get("compat", null);
      if (!mode.equals("reference") && !mode.equals("default")) {
        throw new UsageException("--compat takes 'reference' (or 'default'), got '" + mode + "'");
      }
      context.setConfig(context.config().with("datasets.compat", mode));
    }
    if (args.has("seed")) context.setConfig(context.config().with("datasets.seed", args.getLong("seed", 42)));
  }

  @Override
  void runStage(JobContext context, OutputStore store) {
    Stages.build(context, store);
  }
}
