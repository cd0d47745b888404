package org.oasst.pipeline.core.read;

/**
 * An input the pipeline cannot read at all: a missing path, a pattern matching nothing, an unreadable
 * file, an unknown format. Raised on the driver before any Spark job starts, with a one-line message
 * that names the input.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
