package org.oasst.pipeline.core.config;

/** A configuration a user wrote wrongly: reported as a one-line usage error. */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
