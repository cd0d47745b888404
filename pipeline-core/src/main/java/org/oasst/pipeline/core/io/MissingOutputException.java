package org.oasst.pipeline.core.io;

/** A stage asked for an output that no earlier stage wrote: a usage error, not a crash. */
public class MissingOutputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MissingOutputException(String message) {
    super(message);
  }
}
