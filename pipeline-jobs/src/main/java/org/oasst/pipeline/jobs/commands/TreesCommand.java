package org.oasst.pipeline.jobs.commands;

import java.util.List;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;

public final class TreesCommand extends StageCommand {
  @Override
  public String name() {
    return "trees";
  }

  @Override
  public String summary() {
    return "reassemble conversation trees: tables/trees, integrity findings, composition (threads on demand)";
  }

  @Override
  public String usage() {
    return "--output DIR [--threads]";
  }

  @Override
  List<Option> extraOptions() {
    return List.of(Option.flag("threads", "also write tables/threads (one row per root-to-node path; large)"));
  }

  @Override
  void applyFlags(Args args, JobContext context) {
    if (args.has("threads")) context.setConfig(context.config().with("trees.threads", true));
  }

  @Override
  void runStage(JobContext context, OutputStore store) {
    Stages.trees(context, store);
  }
}
