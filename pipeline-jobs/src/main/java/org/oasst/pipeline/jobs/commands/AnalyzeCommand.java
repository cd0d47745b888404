package org.oasst.pipeline.jobs.commands;

import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.JobContext;

public final class AnalyzeCommand extends StageCommand {
  @Override
  public String name() {
    return "analyze";
  }

  @Override
  public String summary() {
    return "quality analyses: languages, contributors, label statistics, acceptance, ranks, leaderboard, trollboard";
  }

  @Override
  void runStage(JobContext context, OutputStore store) {
    Stages.analyze(context, store);
  }
}
