package org.oasst.pipeline.jobs.commands;

import java.util.List;
import org.oasst.pipeline.jobs.cli.Command;

/** Every subcommand, in the order the overview lists them. */
public final class Commands {
  private Commands() {}

  public static List<Command> all() {
    return List.of(
        new RunCommand(),
        new IngestCommand(),
        new TreesCommand(),
        new AnalyzeCommand(),
        new ToxicityCommand(),
        new BuildCommand(),
        new SynthCommand(),
        new SqlCommand());
  }
}
