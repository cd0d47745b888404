package org.oasst.pipeline.jobs.cli;

import java.util.List;

/** A subcommand of {@code oasst-pipeline}. */
public interface Command {
  String name();

  /** One line for the command list. */
  String summary();

  /** A usage line, e.g. {@code --output DIR [--threads]}. */
  String usage();

  List<Option> options();

  /** Runs the command; returns the exit code (0 on success). */
  int execute(Args args, JobContext context) throws Exception;
}
