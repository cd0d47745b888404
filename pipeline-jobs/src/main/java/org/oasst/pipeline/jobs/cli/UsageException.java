package org.oasst.pipeline.jobs.cli;

/** The command line was wrong: exit code 2 with a one-line cause. */
public class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
