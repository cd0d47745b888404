package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

/**
 * The streaming fast path of {@link LineProcessor} must give, line by line, the same rows, statistics
 * and unknown keys as the tree path alone; and it must actually run on the common shapes.
 */
class StreamingLineParserTest {
  @TempDir static Path dir;

  /** Both paths over the same lines; how many lines the fast path took. */
  static final class Comparison {
    final LineProcessor tree;
    final LineProcessor fast;
    final UnsafeProjection binary = UnsafeProjection.create(RawRecords.SCHEMA);
    long lines;

    Comparison(String format) {
      tree = new LineProcessor(format, "file:/x.jsonl", new FileStats(), false);
      fast = new LineProcessor(format, "file:/x.jsonl", new FileStats(), true);
    }

    /** Runs one line through both; returns whether the fast path took it. */
    boolean line(byte[] bytes, long lineNo) {
      lines++;
      List<InternalRow> expected = new ArrayList<>();
      List<InternalRow> actual = new ArrayList<>();
      tree.process(bytes, 0, bytes.length, lineNo, expected);
      long streamedBefore = fast.streamedLines;
      fast.process(bytes, 0, bytes.length, lineNo, actual);
      String what = "line " + lineNo + ": " + abbreviate(new String(bytes, StandardCharsets.UTF_8));
      assertEquals(expected.size(), actual.size(), what + " row count");
      for (int i = 0; i < expected.size(); i++) {
        byte[] e = binary.apply(expected.get(i)).getBytes();
        byte[] a = binary.apply(actual.get(i)).getBytes();
        assertArrayEquals(e, a, what + " row " + i + ": " + actual.get(i).toSeq(RawRecords.SCHEMA));
      }
      assertEquals(tree.stats.toMap(), fast.stats.toMap(), what + " stats");
      return fast.streamedLines > streamedBefore;
    }

    boolean line(String s, long lineNo) {
      return line(s.getBytes(StandardCharsets.UTF_8), lineNo);
    }

    long streamed() {
      return fast.streamedLines;
    }
  }

  static List<String> readLines(Path file, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    boolean gz = file.toString().endsWith(".gz");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        gz ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file),
        StandardCharsets.UTF_8))) {
      String line;
      while (out.size() < limit && (line = in.readLine()) != null) out.add(line);
    }
    return out;
  }

  static Comparison compareFile(Path file, String format, int limit) throws IOException {
    Comparison c = new Comparison(format);
    long lineNo = 0;
    for (String line : readLines(file, limit)) c.line(line, ++lineNo);
    return c;
  }

  static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  // ---- real and synthetic inputs: identical, and all on the fast path

  @Test
  void realTreeFiles() throws IOException {
    for (String name : List.of(TestSpark.OPENPAWS, TestSpark.EN_100)) {
      Path file = TestSpark.realSample(name);
      for (String format : List.of("auto", "trees")) {
        Comparison c = compareFile(file, format, Integer.MAX_VALUE);
        assertTrue(c.lines >= 100, name);
        assertEquals(c.lines, c.streamed(), name + " --format " + format + ": lines on the fast path");
        assertEquals(c.lines, c.fast.stats.linesAccepted, name);
      }
      // A message format refuses tree lines: the fast path gives them up, the rows are the same.
      Comparison refused = compareFile(file, "messages", Integer.MAX_VALUE);
      assertEquals(0, refused.streamed());
    }
  }

  @Test
  void flattenedMessages() throws IOException {
    for (String name : List.of(TestSpark.OPENPAWS, TestSpark.EN_100)) {
      Path messages = dir.resolve(name + ".messages.jsonl");
      FormatConverter.treesToMessages(TestSpark.realSample(name), messages, false);
      for (String format : List.of("auto", "messages", "hf")) {
        Comparison c = compareFile(messages, format, Integer.MAX_VALUE);
        assertTrue(c.lines > 1000, name);
        if (!format.equals("hf")) assertEquals(c.lines, c.streamed(), name + " --format " + format);
      }
      // HF rows fall back (their labels and emojis are arrays) but must still come out the same.
      Path hf = dir.resolve(name + ".hf.jsonl");
      FormatConverter.treesToMessages(TestSpark.realSample(name), hf, true);
      for (String format : List.of("auto", "hf", "messages")) compareFile(hf, format, Integer.MAX_VALUE);
    }
  }

  @Test
  void syntheticTrees(@TempDir Path dir) throws IOException {
    // The generator's trees carry unicode, escapes, unknown keys and nulls of both styles.
    Path synth = dir.resolve("synth.trees.jsonl.gz");
    org.oasst.pipeline.core.synth.Synth.write(
        null,
        org.oasst.pipeline.core.synth.SynthOptions.of(3000).withSeed(17).withGzip(true).withUnknownKeys(true),
        synth.toString());
    Comparison c = compareFile(synth, "auto", Integer.MAX_VALUE);
    assertEquals(3000, c.lines);
    assertEquals(c.lines, c.streamed());
  }

  // ---- hand-made lines: the fast path handles them identically or gives them up

  static final String REPLY_A1 =
      "{\"message_id\":\"a1\",\"parent_id\":\"t1\",\"text\":\"yo\",\"role\":\"assistant\",\"rank\":0,"
          + "\"replies\":[{\"message_id\":\"p2\",\"text\":\"again\",\"role\":\"prompter\",\"replies\":[]}],"
          + "\"labels\":{\"spam\":{\"value\":0.25,\"count\":4},\"quality\":{\"value\":1,\"count\":null}},"
          + "\"detoxify\":{\"toxicity\":0.001,\"insult\":1e-5,\"extra\":{\"a\":[1,2]}}}";
  static final String REPLY_A2 = "{\"message_id\":\"a2\",\"text\":\"other\",\"role\":\"assistant\"}";
  static final String PROMPT =
      "{\"message_id\":\"t1\",\"parent_id\":null,\"user_id\":\"u\","
          + "\"created_date\":\"2023-02-07T17:29:24.727400+00:00\",\"text\":\"hi\",\"role\":\"prompter\","
          + "\"lang\":\"en\",\"review_count\":3,\"review_result\":true,\"deleted\":false,\"rank\":null,"
          + "\"synthetic\":false,\"model_name\":null,\"emojis\":{\"+1\":2,\"_skip_reply\":null},"
          + "\"replies\":[" + REPLY_A1 + "," + REPLY_A2 + "],"
          + "\"labels\":{\"spam\":{\"value\":0.0,\"count\":3}},\"detoxify\":null,\"events\":null}";
  static final String TREE =
      "{\"message_tree_id\":\"t1\",\"tree_state\":\"ready_for_export\",\"prompt\":" + PROMPT
          + ",\"origin\":\"export\"}";
  static final String MESSAGE =
      "{\"message_id\":\"m1\",\"parent_id\":\"p0\",\"user_id\":\"u\","
          + "\"created_date\":\"2023-02-07T17:29:24Z\",\"text\":\"hi\",\"role\":\"assistant\","
          + "\"lang\":\"en\",\"review_count\":3,\"review_result\":null,\"deleted\":false,\"rank\":2,"
          + "\"synthetic\":false,\"model_name\":null,\"emojis\":{\"+1\":2},"
          + "\"labels\":{\"spam\":{\"value\":0.5,\"count\":2}},"
          + "\"detoxify\":{\"toxicity\":0.25,\"obscene\":null,\"sexual_explicit\":3},"
          + "\"message_tree_id\":\"t0\",\"tree_state\":\"growing\"}";

  /** Lines the fast path must take (and get right). */
  static List<String> fastLines() {
    List<String> l = new ArrayList<>();
    l.add(TREE);
    l.add(MESSAGE);
    // Origin and tree_state before or after the prompt.
    l.add("{\"message_tree_id\":\"t1\",\"origin\":\"o\",\"prompt\":" + PROMPT + ",\"tree_state\":null}");
    l.add("{\"message_tree_id\":\"t1\",\"prompt\":" + PROMPT + "}");
    // Replies before labels, and before the message's own id (the parent check waits for the end).
    l.add(TREE.replace("{\"message_id\":\"a2\",\"text\":\"other\",\"role\":\"assistant\"}",
        "{\"replies\":[{\"message_id\":\"x\",\"role\":\"prompter\",\"text\":\"late\",\"parent_id\":\"a2\"}],"
            + "\"role\":\"assistant\",\"text\":\"other\",\"message_id\":\"a2\"}"));
    // Unknown keys at every level, with nested values.
    l.add(TREE.replace("\"origin\":", "\"extra\":{\"b\":[{\"c\":null}],\"d\":\"\\u00e9\"},\"more\":[1,2.5,\"x\"],\"origin\":")
        .replace("\"rank\":0,", "\"rank\":0,\"CRITERIA\":{\"x\":1,\"y\":{\"x\":2}},\"z\":null,"));
    l.add(MESSAGE.replace("\"lang\":", "\"prompt\":{\"a\":1},\"origin\":\"o\",\"lang\":"));
    // Labels with value or count missing, or empty; empty emojis and labels.
    l.add(TREE.replace("{\"value\":0.0,\"count\":3}", "{\"count\":3}")
        .replace("{\"value\":1,\"count\":null}", "{\"value\":-0.0}")
        .replace("\"+1\":2,", "\"+1\":2,\"empty\":null,"));
    l.add(MESSAGE.replace("{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":{}}"));
    l.add(MESSAGE.replace("{\"+1\":2}", "{}").replace("{\"spam\":{\"value\":0.5,\"count\":2}}", "{}"));
    l.add(MESSAGE.replace("{\"+1\":2}", "null").replace("{\"spam\":{\"value\":0.5,\"count\":2}}", "null"));
    // Numbers: long, exponent, huge label values; detoxify unknown keys.
    l.add(MESSAGE.replace("0.5,\"count\"", "12345678901,\"count\"")
        .replace("\"obscene\":null", "\"obscene\":1E2,\"threat\":1e400,\"extra\":[1],\"other\":\"x\""));
    l.add(MESSAGE.replace("0.5,\"count\"", "0.1000000000000000055511151231257827021181583404541015625,\"count\""));
    // Replies null or [] on a message line; a reply's own matching parent and tree ids.
    l.add(MESSAGE.replace("\"lang\":", "\"replies\":null,\"lang\":"));
    l.add(MESSAGE.replace("\"lang\":", "\"replies\":[],\"lang\":"));
    l.add(TREE.replace("\"text\":\"other\"", "\"text\":\"other\",\"parent_id\":\"t1\",\"message_tree_id\":\"t1\",\"tree_state\":\"x\""));
    // Text with escapes and characters beyond the BMP; white space around tokens.
    l.add(MESSAGE.replace("\"text\":\"hi\"",
        "\"text\":\"\\u00e9\\n\\t\\\"q\\\" \\\\ \\ud83d\\ude00 日本 \uD83D\uDE00\""));
    l.add(" " + TREE.replace(",", " ,\t").replace("\":", "\" : ") + "  \r");
    l.add(deepTree(300));
    l.add(deepTree(999)); // as deep as the parser allows
    return l;
  }

  /** Lines that may or may not take the fast path, mostly invalid ones. */
  static List<String> otherLines() {
    List<String> l = new ArrayList<>();
    // First key other than the two, empty objects, non-objects.
    l.add("{\"tree_state\":\"x\",\"message_tree_id\":\"t1\",\"prompt\":" + PROMPT + "}");
    l.add("{\"prompt\":" + PROMPT + ",\"message_tree_id\":\"t1\"}");
    l.add("{\"text\":\"hi\",\"message_id\":\"m\",\"role\":\"prompter\"}");
    l.add("{}");
    l.add("[]");
    l.add("42");
    l.add("\"s\"");
    l.add("null");
    l.add("{\"message_tree_id\":\"t1\"}");
    l.add("{\"message_tree_id\":\"t1\",\"prompt\":null}");
    l.add("{\"message_tree_id\":\"t1\",\"prompt\":[]}");
    l.add("{\"message_tree_id\":null,\"prompt\":" + PROMPT + "}");
    l.add("{\"message_tree_id\":5,\"prompt\":" + PROMPT + "}");
    l.add(TREE.replace("\"origin\":", "\"message_id\":\"t1\",\"text\":\"x\",\"role\":\"prompter\",\"origin\":"));
    // Duplicate keys at each level.
    l.add(TREE.replace("\"origin\":", "\"tree_state\":\"y\",\"origin\":"));
    l.add(TREE.replace("\"origin\":\"export\"", "\"origin\":\"export\",\"message_tree_id\":\"t1\""));
    l.add(TREE.replace("\"origin\":\"export\"", "\"origin\":\"export\",\"prompt\":" + PROMPT));
    l.add(TREE.replace("\"origin\":\"export\"", "\"origin\":\"export\",\"origin\":null"));
    l.add(TREE.replace("\"origin\":", "\"x\":1,\"x\":2,\"origin\":"));
    l.add(TREE.replace("\"lang\":\"en\"", "\"lang\":\"en\",\"lang\":\"de\""));
    l.add(MESSAGE.replace("\"lang\":\"en\"", "\"lang\":\"en\",\"lang\":null"));
    l.add(MESSAGE.replace("\"lang\":", "\"message_id\":\"m1\",\"lang\":"));
    l.add(MESSAGE.replace("\"lang\":", "\"k\":1,\"k\":1,\"lang\":"));
    l.add(MESSAGE.replace("{\"spam\":{\"value\":0.5,\"count\":2}}",
        "{\"spam\":{\"value\":0.5,\"count\":2},\"spam\":{\"value\":0.5}}"));
    l.add(MESSAGE.replace("{\"value\":0.5,\"count\":2}", "{\"value\":0.5,\"count\":2,\"value\":1}"));
    l.add(MESSAGE.replace("{\"value\":0.5,\"count\":2}", "{\"value\":0.5,\"count\":2,\"count\":null}"));
    l.add(MESSAGE.replace("{\"+1\":2}", "{\"+1\":2,\"+1\":3}"));
    l.add(MESSAGE.replace("{\"+1\":2}", "{\"+1\":null,\"+1\":null}"));
    l.add(MESSAGE.replace("\"toxicity\":0.25", "\"toxicity\":0.25,\"toxicity\":null"));
    l.add(MESSAGE.replace("\"toxicity\":0.25", "\"toxicity\":0.25,\"zz\":1,\"zz\":2"));
    l.add(TREE.replace("\"rank\":0,", "\"rank\":0,\"CRITERIA\":{\"x\":1,\"x\":2},"));
    l.add(TREE.replace("\"rank\":0,", "\"rank\":0,\"CRITERIA\":[{\"x\":1,\"y\":[{\"z\":1,\"z\":1}]}],"));
    // Wrong types and nulls at each field.
    String[][] swaps = {
      {"\"text\":\"hi\"", "\"text\":5"}, {"\"text\":\"hi\"", "\"text\":null"},
      {"\"role\":\"assistant\"", "\"role\":1"}, {"\"role\":\"assistant\"", "\"role\":\"system\""},
      {"\"role\":\"assistant\"", "\"role\":null"}, {"\"message_id\":\"m1\"", "\"message_id\":null"},
      {"\"message_id\":\"m1\"", "\"message_id\":7"}, {"\"parent_id\":\"p0\"", "\"parent_id\":1"},
      {"\"user_id\":\"u\"", "\"user_id\":[]"}, {"\"lang\":\"en\"", "\"lang\":{}"},
      {"\"created_date\":\"2023-02-07T17:29:24Z\"", "\"created_date\":5"},
      {"\"created_date\":\"2023-02-07T17:29:24Z\"", "\"created_date\":\"yesterday\""},
      {"\"created_date\":\"2023-02-07T17:29:24Z\"", "\"created_date\":\"2023-02-07T17:29:24+05:30\""},
      {"\"created_date\":\"2023-02-07T17:29:24Z\"", "\"created_date\":null"},
      {"\"review_count\":3", "\"review_count\":1.0"}, {"\"review_count\":3", "\"review_count\":3.5"},
      {"\"review_count\":3", "\"review_count\":\"3\""}, {"\"review_count\":3", "\"review_count\":2147483648"},
      {"\"review_count\":3", "\"review_count\":-2147483648"}, {"\"review_count\":3", "\"review_count\":true"},
      {"\"rank\":2", "\"rank\":\"null\""}, {"\"rank\":2", "\"rank\":1e0"},
      {"\"deleted\":false", "\"deleted\":\"false\""}, {"\"deleted\":false", "\"deleted\":0"},
      {"\"review_result\":null", "\"review_result\":true"},
      {"\"synthetic\":false", "\"synthetic\":null"}, {"\"model_name\":null", "\"model_name\":false"},
      {"{\"+1\":2}", "[]"}, {"{\"+1\":2}", "{\"+1\":\"many\"}"}, {"{\"+1\":2}", "{\"+1\":2.0}"},
      {"{\"+1\":2}", "{\"+1\":3000000000}"}, {"{\"+1\":2}", "{\"name\":[\"+1\"],\"count\":[2]}"},
      {"{\"+1\":2}", "{\"name\":\"x\"}"}, {"{\"+1\":2}", "{\"name\":5}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "\"x\""},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":0.5}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":null}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":{\"value\":\"high\"}}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":{\"value\":0.5,\"count\":2,\"x\":1}}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":{\"value\":0.5,\"count\":2.0}}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"spam\":{\"value\":123456789012345678901234567890}}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"name\":[\"spam\"],\"value\":[0.5],\"count\":[2]}"},
      {"{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"name\":{\"value\":0.5,\"count\":2}}"},
      {"{\"toxicity\":0.25,", "[{\"toxicity\":0.25},"}, {"\"toxicity\":0.25", "\"toxicity\":\"low\""},
      {"\"toxicity\":0.25", "\"toxicity\":true"},
      {"\"tree_state\":\"growing\"", "\"tree_state\":1"}, {"\"message_tree_id\":\"t0\"", "\"message_tree_id\":[]"},
    };
    for (String[] s : swaps) {
      assertTrue(MESSAGE.contains(s[0]), s[0]);
      l.add(MESSAGE.replace(s[0], s[1]));
    }
    // HF-shaped labels and emojis on a message line, and mixed with the export shape.
    l.add(MESSAGE.replace("{\"+1\":2}", "{\"name\":[\"+1\"],\"count\":[2]}")
        .replace("{\"spam\":{\"value\":0.5,\"count\":2}}", "{\"name\":[\"spam\"],\"value\":[0.5],\"count\":[2]}"));
    l.add(MESSAGE.replace("{\"+1\":2}", "{\"name\":[\"+1\"],\"count\":[2]}"));
    // Events: the tree path keeps their JSON text.
    l.add(MESSAGE.replace("\"lang\":", "\"events\":{\"pairwise\":[{\"a\":1.50}]},\"lang\":"));
    l.add(MESSAGE.replace("\"lang\":", "\"events\":null,\"lang\":"));
    l.add(MESSAGE.replace("\"lang\":", "\"events\":[],\"lang\":"));
    // Replies on a message line.
    l.add(MESSAGE.replace("\"lang\":", "\"replies\":[" + REPLY_A2 + "],\"lang\":"));
    l.add(MESSAGE.replace("\"lang\":", "\"replies\":{},\"lang\":"));
    // Tree structure: replies of the wrong type, parents and tree ids that disagree.
    l.add(TREE.replace("\"replies\":[]", "\"replies\":{}"));
    l.add(TREE.replace("\"replies\":[]", "\"replies\":null"));
    l.add(TREE.replace("\"replies\":[]", "\"replies\":[1]"));
    l.add(TREE.replace("\"replies\":[]", "\"replies\":[null]"));
    l.add(TREE.replace("\"text\":\"other\"", "\"text\":\"other\",\"parent_id\":\"a1\""));
    l.add(TREE.replace("\"text\":\"other\"", "\"text\":\"other\",\"message_tree_id\":\"t2\""));
    l.add(TREE.replace("\"parent_id\":null", "\"parent_id\":\"t0\""));
    l.add(TREE.replace("{\"message_id\":\"t1\"", "{\"message_id\":\"t9\""));
    l.add(TREE.replace("\"role\":\"assistant\"}", "\"role\":\"moderator\"}"));
    l.add(TREE.replace("{\"message_id\":\"a2\",", "{"));
    l.add(TREE.replace("\"events\":null", "\"events\":{}"));
    l.add(TREE.replace("{\"value\":1,\"count\":null}", "{\"name\":[1]}"));
    l.add(TREE.replace("\"review_count\":3", "\"review_count\":3.0"));
    // Trailing tokens and broken JSON.
    l.add(TREE + " {}");
    l.add(MESSAGE + " x");
    l.add(MESSAGE + ",");
    l.add(MESSAGE.substring(0, MESSAGE.length() - 1));
    l.add(MESSAGE.replace("\"review_count\":3", "\"review_count\":NaN"));
    l.add(MESSAGE.replace("\"lang\":", "\"big\":" + "9".repeat(1200) + ",\"lang\":"));
    l.add(deepTree(1100)); // deeper than the parser allows
    return l;
  }

  /** A chain of {@code depth} replies. */
  static String deepTree(int depth) {
    StringBuilder sb = new StringBuilder("{\"message_tree_id\":\"d0\",\"prompt\":");
    for (int i = 0; i < depth; i++) {
      sb.append("{\"message_id\":\"d").append(i).append("\",\"text\":\"t\",\"role\":\"")
          .append(i % 2 == 0 ? "prompter" : "assistant").append("\",\"replies\":[");
    }
    for (int i = 0; i < depth; i++) sb.append("]}");
    return sb.append("}").toString();
  }

  @Test
  void handMadeLinesOnTheFastPath() {
    for (String format : List.of("auto", "trees", "messages", "hf", LineProcessor.HF_PARQUET)) {
      Comparison c = new Comparison(format);
      long lineNo = 0;
      for (String line : fastLines()) {
        boolean fast = c.line(line, ++lineNo);
        // With a forced format some lines are refused, which only the tree path reports.
        if (format.equals("auto")) assertTrue(fast, "--format " + format + ", line " + lineNo + ": " + abbreviate(line));
      }
    }
  }

  @Test
  void otherHandMadeLinesGiveTheSameResults() {
    for (String format : List.of("auto", "trees", "messages", "hf")) {
      Comparison c = new Comparison(format);
      long lineNo = 0;
      for (String line : otherLines()) c.line(line, ++lineNo);
    }
  }

  @Test
  void invalidBytesAndMarks() {
    Comparison c = new Comparison("auto");
    byte[] bad = MESSAGE.replace("\"text\":\"hi\"", "\"text\":\"hXi\"").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bad.length; i++) if (bad[i] == 'X') bad[i] = (byte) 0xFF;
    c.line(bad, 2);
    // A bad byte in a value the fast path skips must fail it just the same.
    byte[] skipped = TREE.replace("\"origin\":", "\"extra\":\"aXb\",\"origin\":").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < skipped.length; i++) if (skipped[i] == 'X') skipped[i] = (byte) 0xC3;
    c.line(skipped, 3);
    byte[] bom = ("\uFEFF" + TREE).getBytes(StandardCharsets.UTF_8);
    assertTrue(c.line(bom, 1));
    c.line("   ", 4);
    assertEquals(1, c.streamed());
    assertEquals(3, c.fast.stats.linesQuarantined);
  }
}
