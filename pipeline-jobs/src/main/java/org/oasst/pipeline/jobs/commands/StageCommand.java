package org.oasst.pipeline.jobs.commands;

import java.util.ArrayList;
import java.util.List;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.Command;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;

/**
 * A command that runs one stage over an existing output folder: the stage reads the tables that
 * earlier stages wrote there and adds its own, and the manifest is committed afterwards.
 */
abstract class StageCommand implements Command {
  @Override
  public String usage() {
    return "--output DIR";
  }

  @Override
  public List<Option> options() {
    List<Option> options = new ArrayList<>();
    options.add(Option.value("output", "DIR", "the output folder (written by earlier stages)"));
    options.addAll(extraOptions());
    return options;
  }

  List<Option> extraOptions() {
    return List.of();
  }

  /** Turns the command's own flags into configuration settings. */
  void applyFlags(Args args, JobContext context) {}

  abstract void runStage(JobContext context, OutputStore store);

  @Override
  public int execute(Args args, JobContext context) {
    String dir = args.require("output");
    applyFlags(args, context);
    OutputStore store = context.store(dir);
    runStage(context, store);
    context.err().printf("[%s] outputs in %s%n", name(), store.root());
    return 0;
  }
}
