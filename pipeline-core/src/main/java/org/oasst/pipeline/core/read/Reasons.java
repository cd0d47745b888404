package org.oasst.pipeline.core.read;

/** Reason codes of quarantined input. Stable strings: users filter the quarantine table on them. */
public final class Reasons {
  private Reasons() {}

  /** A line holding nothing but white space. */
  public static final String BLANK_LINE = "BLANK_LINE";
  /** Not parseable as JSON (syntax error, trailing garbage, nesting too deep). */
  public static final String INVALID_JSON = "INVALID_JSON";
  /** Bytes that are not valid UTF-8. */
  public static final String INVALID_UTF8 = "INVALID_UTF8";
  /** Valid JSON, but an array or a scalar where an object is expected. */
  public static final String NOT_AN_OBJECT = "NOT_AN_OBJECT";
  /** An object that is neither a message nor a tree. */
  public static final String UNKNOWN_FORMAT = "UNKNOWN_FORMAT";
  /** A line of another format than the one forced with {@code --format}. */
  public static final String FORMAT_MISMATCH = "FORMAT_MISMATCH";
  /** A required field (message_id, text, role, a tree's prompt) absent or null. */
  public static final String MISSING_FIELD = "MISSING_FIELD";
  /** A field of the wrong JSON type (a string rank, a numeric text, ...). */
  public static final String WRONG_TYPE = "WRONG_TYPE";
  /** A role other than prompter or assistant. */
  public static final String UNKNOWN_ROLE = "UNKNOWN_ROLE";
  /** A created_date that is not ISO-8601 with an offset. */
  public static final String BAD_TIMESTAMP = "BAD_TIMESTAMP";
  /** labels of a shape neither the export nor the HF format writes. */
  public static final String BAD_LABELS = "BAD_LABELS";
  /** emojis of a shape neither the export nor the HF format writes. */
  public static final String BAD_EMOJIS = "BAD_EMOJIS";
  /** A tree whose nodes contradict it (a child whose parent_id is not its parent, another tree id). */
  public static final String TREE_INCONSISTENT = "TREE_INCONSISTENT";
  /** A gzip stream that ends early: the last, partial line is quarantined and reading stops. */
  public static final String TRUNCATED_GZIP = "TRUNCATED_GZIP";
  /** Bytes that the decompressor or the file system refused; reading of the file stops there. */
  public static final String READ_ERROR = "READ_ERROR";
  /** A file without a single byte (line 0: it has no line). */
  public static final String EMPTY_FILE = "EMPTY_FILE";
  /** Several copies of one message_id that differ: every copy is quarantined. */
  public static final String DUPLICATE_CONFLICT = "DUPLICATE_CONFLICT";
}
