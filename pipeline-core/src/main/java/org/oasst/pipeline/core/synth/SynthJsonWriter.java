package org.oasst.pipeline.core.synth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.oasst.pipeline.core.synth.SynthOptions.Format;
import org.oasst.pipeline.core.synth.SynthOptions.NullStyle;

/**
 * Writes generated trees as JSON Lines in one of the three JSON formats, key order as in the
 * official exports. One instance per output stream; not thread-safe.
 */
public final class SynthJsonWriter implements AutoCloseable {
  private static final JsonFactory FACTORY =
      new JsonFactoryBuilder().rootValueSeparator((String) null).build();

  private final Format format;
  private final boolean writeNulls;
  private final boolean asciiOnly;
  private final JsonGenerator g;
  private final StringBuilder escaped = new StringBuilder(4096);

  public SynthJsonWriter(OutputStream out, SynthOptions options) {
    this(out, options.format(), options.nullStyle(), options.asciiOnly());
  }

  public SynthJsonWriter(OutputStream out, Format format, NullStyle nullStyle, boolean asciiOnly) {
    if (format == Format.HF_PARQUET) {
      throw new IllegalArgumentException("hf-parquet is written through Spark, not as JSON");
    }
    this.format = format;
    this.writeNulls = nullStyle == NullStyle.WRITE;
    this.asciiOnly = asciiOnly;
    try {
      this.g = FACTORY.createGenerator(out);
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.setPrettyPrinter(new PythonSeparators());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes one tree (one line, or one line per message) and returns the messages written. */
  public int write(SynthTree tree) {
    try {
      if (format == Format.TREES) {
        g.writeStartObject();
        g.writeStringField("message_tree_id", tree.treeId());
        g.writeStringField("tree_state", tree.state());
        g.writeFieldName("prompt");
        int n = writeNested(tree.root());
        nullableString("origin", tree.origin());
        if (tree.unknownKey()) g.writeStringField("x_source", "synth-batch-" + (tree.index() % 7));
        g.writeEndObject();
        g.writeRaw('\n');
        return n;
      }
      return writeFlat(tree, tree.root());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void flush() {
    try {
      g.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      g.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int writeNested(SynthNode n) throws IOException {
    g.writeStartObject();
    commonHead(n);
    officialEmojis(n);
    g.writeArrayFieldStart("replies");
    int count = 1;
    for (SynthNode c : n.replies) count += writeNested(c);
    g.writeEndArray();
    officialLabels(n);
    nullField("events");
    detoxify(n);
    nullField("message_tree_id");
    nullField("tree_state");
    unknownKey(n);
    g.writeEndObject();
    return count;
  }

  /** Depth-first, parents before children, in reply (rank) order. */
  private int writeFlat(SynthTree tree, SynthNode n) throws IOException {
    g.writeStartObject();
    commonHead(n);
    if (format == Format.MESSAGES) {
      officialEmojis(n);
      officialLabels(n);
      nullField("events");
      detoxify(n);
      g.writeStringField("message_tree_id", tree.treeId());
      g.writeStringField("tree_state", tree.state());
    } else {
      detoxify(n);
      g.writeStringField("message_tree_id", tree.treeId());
      g.writeStringField("tree_state", tree.state());
      hfEmojis(n);
      hfLabels(n);
    }
    unknownKey(n);
    g.writeEndObject();
    g.writeRaw('\n');
    int count = 1;
    for (SynthNode c : n.replies) count += writeFlat(tree, c);
    return count;
  }

  private void commonHead(SynthNode n) throws IOException {
    g.writeStringField("message_id", n.messageId);
    nullableString("parent_id", n.parentId);
    nullableString("user_id", n.userId);
    g.writeStringField("created_date", isoMicros(n.createdMicros));
    if (asciiOnly) {
      g.writeFieldName("text");
      g.writeRawValue(asciiJsonString(n.text, escaped));
    } else {
      g.writeStringField("text", n.text);
    }
    g.writeStringField("role", n.role());
    g.writeStringField("lang", n.lang);
    g.writeNumberField("review_count", n.reviewCount);
    if (n.reviewResult != null) g.writeBooleanField("review_result", n.reviewResult);
    else nullField("review_result");
    g.writeBooleanField("deleted", n.deleted);
    if (n.rank != null) g.writeNumberField("rank", n.rank);
    else nullField("rank");
    g.writeBooleanField("synthetic", n.synthetic);
    nullableString("model_name", n.modelName);
  }

  private void officialEmojis(SynthNode n) throws IOException {
    if (n.emojiNames == null) {
      nullField("emojis");
      return;
    }
    g.writeObjectFieldStart("emojis");
    for (int i = 0; i < n.emojiNames.length; i++) g.writeNumberField(n.emojiNames[i], n.emojiCounts[i]);
    g.writeEndObject();
  }

  private void officialLabels(SynthNode n) throws IOException {
    if (n.labelNames == null) {
      nullField("labels");
      return;
    }
    g.writeObjectFieldStart("labels");
    for (int i = 0; i < n.labelNames.length; i++) {
      g.writeObjectFieldStart(n.labelNames[i]);
      g.writeNumberField("value", n.labelValues[i]);
      g.writeNumberField("count", n.labelCounts[i]);
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** HF rows always carry the struct of (possibly empty) parallel arrays. */
  private void hfEmojis(SynthNode n) throws IOException {
    g.writeObjectFieldStart("emojis");
    g.writeArrayFieldStart("name");
    if (n.emojiNames != null) for (String s : n.emojiNames) g.writeString(s);
    g.writeEndArray();
    g.writeArrayFieldStart("count");
    if (n.emojiCounts != null) for (int c : n.emojiCounts) g.writeNumber(c);
    g.writeEndArray();
    g.writeEndObject();
  }

  private void hfLabels(SynthNode n) throws IOException {
    g.writeObjectFieldStart("labels");
    g.writeArrayFieldStart("name");
    if (n.labelNames != null) for (String s : n.labelNames) g.writeString(s);
    g.writeEndArray();
    g.writeArrayFieldStart("value");
    if (n.labelValues != null) for (double v : n.labelValues) g.writeNumber(v);
    g.writeEndArray();
    g.writeArrayFieldStart("count");
    if (n.labelCounts != null) for (int c : n.labelCounts) g.writeNumber(c);
    g.writeEndArray();
    g.writeEndObject();
  }

  private void detoxify(SynthNode n) throws IOException {
    if (n.detoxify == null) {
      nullField("detoxify");
      return;
    }
    g.writeObjectFieldStart("detoxify");
    for (int i = 0; i < DETOXIFY_KEYS.length; i++) g.writeNumberField(DETOXIFY_KEYS[i], n.detoxify[i]);
    g.writeEndObject();
  }

  private void unknownKey(SynthNode n) throws IOException {
    if (!n.unknownKey) return;
    // modelled on the "CRITERIA" object a real uploader added to most nodes
    g.writeObjectFieldStart("CRITERIA");
    g.writeNumberField("relevance", n.labelValues != null ? n.labelValues[0] : 0.5);
    g.writeStringField("note", "added by a third party");
    g.writeEndObject();
  }

  private void nullableString(String key, String value) throws IOException {
    if (value != null) g.writeStringField(key, value);
    else nullField(key);
  }

  private void nullField(String key) throws IOException {
    if (writeNulls) g.writeNullField(key);
  }

  /**
   * The separators of Python's {@code json.dumps} defaults ({@code ", "} and {@code ": "}), which
   * the official exports were written with; everything on one line.
   */
  private static final class PythonSeparators implements com.fasterxml.jackson.core.PrettyPrinter {
    @Override
    public void writeRootValueSeparator(JsonGenerator gen) {}

    @Override
    public void writeStartObject(JsonGenerator gen) throws IOException {
      gen.writeRaw('{');
    }

    @Override
    public void writeEndObject(JsonGenerator gen, int nrOfEntries) throws IOException {
      gen.writeRaw('}');
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator gen) throws IOException {
      gen.writeRaw(", ");
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator gen) throws IOException {
      gen.writeRaw(": ");
    }

    @Override
    public void writeStartArray(JsonGenerator gen) throws IOException {
      gen.writeRaw('[');
    }

    @Override
    public void writeEndArray(JsonGenerator gen, int nrOfValues) throws IOException {
      gen.writeRaw(']');
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator gen) throws IOException {
      gen.writeRaw(", ");
    }

    @Override
    public void beforeArrayValues(JsonGenerator gen) {}

    @Override
    public void beforeObjectEntries(JsonGenerator gen) {}
  }

  /**
   * The JSON string literal of {@code s} with every non-ASCII character escaped, as Python's
   * {@code json.dumps} writes it (Jackson's own ESCAPE_NON_ASCII is several times slower).
   */
  static String asciiJsonString(String s, StringBuilder sb) {
    sb.setLength(0);
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7F) {
        if (c == '"' || c == '\\') sb.append('\\');
        sb.append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c == '\r') {
        sb.append("\\r");
      } else {
        sb.append("\\u").append(HEX4[(c >> 12) & 0xF]).append(HEX4[(c >> 8) & 0xF]);
        sb.append(HEX4[(c >> 4) & 0xF]).append(HEX4[c & 0xF]);
      }
    }
    return sb.append('"').toString();
  }

  private static final char[] HEX4 = "0123456789abcdef".toCharArray();

  /** Same order as {@code Tables.DETOXIFY_CATEGORIES}. */
  static final String[] DETOXIFY_KEYS = {
    "toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"
  };

  /** {@code 2023-02-07T17:29:24.727400+00:00}: microseconds and offset, as the exports write it. */
  static String isoMicros(long micros) {
    long secs = Math.floorDiv(micros, 1_000_000L);
    int frac = (int) Math.floorMod(micros, 1_000_000L);
    LocalDateTime t = LocalDateTime.ofEpochSecond(secs, 0, ZoneOffset.UTC);
    char[] c = "0000-00-00T00:00:00.000000+00:00".toCharArray();
    digits(c, 0, t.getYear(), 4);
    digits(c, 5, t.getMonthValue(), 2);
    digits(c, 8, t.getDayOfMonth(), 2);
    digits(c, 11, t.getHour(), 2);
    digits(c, 14, t.getMinute(), 2);
    digits(c, 17, t.getSecond(), 2);
    digits(c, 20, frac, 6);
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
