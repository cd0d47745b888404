package org.oasst.pipeline.core.read;

/** A record the normalizer rejects: its reason code and a detail naming the JSON path. */
final class BadRecordException extends Exception {
  private static final long serialVersionUID = 1L;
  final String reason;

  BadRecordException(String reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }
}
