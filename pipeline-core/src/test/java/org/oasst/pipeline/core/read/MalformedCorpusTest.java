package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;

/**
 * A corpus of broken inputs, one small file per case, read together in one directory (one Spark
 * read). Each case states the reason code and line number it must end in, or that it is accepted.
 */
class MalformedCorpusTest {
  private static final ObjectMapper M = new ObjectMapper();
  @TempDir static Path dir;
  static Path corpus;
  static IngestResult result;
  static Map<String, List<Row>> quarantineByFile = new HashMap<>();
  static Map<String, Row> messagesById = new HashMap<>();
  static final List<Case> CASES = new ArrayList<>();
  static final int BIG = 10 * 1024 * 1024;

  /** A case: file name, bytes; the expected reason at the expected line, or null reason = accepted. */
  record Case(String file, byte[] content, String reason, long line, String detailContains) {}

  static ObjectNode msg(String id) {
    ObjectNode n = M.createObjectNode();
    n.put("message_id", id);
    n.putNull("parent_id");
    n.put("user_id", "u1");
    n.put("created_date", "2023-02-07T17:29:24.727400+00:00");
    n.put("text", "hello " + id);
    n.put("role", "prompter");
    n.put("lang", "en");
    n.put("review_count", 3);
    n.put("review_result", true);
    n.put("deleted", false);
    n.putNull("rank");
    n.put("synthetic", false);
    n.putNull("model_name");
    n.put("message_tree_id", id);
    n.put("tree_state", "ready_for_export");
    return n;
  }

  static String line(ObjectNode n) {
    try {
      return M.writeValueAsString(n);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  static byte[] lines(String... ls) {
    return (String.join("\n", ls) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static void bad(String file, String reason, long line, String detail, String... ls) {
    CASES.add(new Case(file, lines(ls), reason, line, detail));
  }

  static ObjectNode tree(String id) {
    ObjectNode t = M.createObjectNode();
    t.put("message_tree_id", id);
    t.put("tree_state", "ready_for_export");
    ObjectNode root = msg(id);
    root.remove("message_tree_id");
    root.remove("tree_state");
    ObjectNode a1 = msg(id + "-a1");
    a1.remove("message_tree_id");
    a1.remove("tree_state");
    a1.put("role", "assistant");
    a1.put("parent_id", id);
    ObjectNode p2 = msg(id + "-p2");
    p2.remove("message_tree_id");
    p2.remove("tree_state");
    p2.put("parent_id", id + "-a1");
    ObjectNode a3 = msg(id + "-a3");
    a3.remove("message_tree_id");
    a3.remove("tree_state");
    a3.put("role", "assistant");
    a3.remove("parent_id"); // implied by nesting
    p2.putArray("replies").add(a3);
    a1.putArray("replies").add(p2);
    root.putArray("replies").add(a1);
    t.set("prompt", root);
    return t;
  }

  static ObjectNode nodeAt(ObjectNode tree, int... path) {
    ObjectNode n = (ObjectNode) tree.get("prompt");
    for (int i : path) n = (ObjectNode) n.get("replies").get(i);
    return n;
  }

  /** Text that does not compress, so that cutting the gzip's end only spoils the last line. */
  static String noise(int n) {
    java.util.Random random = new java.util.Random(42);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) sb.append((char) ('a' + random.nextInt(26)));
    return sb.toString();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @BeforeAll
  static void buildAndRead() throws Exception {
    String ok = line(msg("ok-1"));
    bad("invalid_json.jsonl", Reasons.INVALID_JSON, 2, null, line(msg("ij-1")), "{\"message_id\": \"ij-2\", ");
    bad("blank_line.jsonl", Reasons.BLANK_LINE, 2, null, line(msg("bl-1")), "   ", line(msg("bl-3")));
    bad("json_array.jsonl", Reasons.NOT_AN_OBJECT, 1, "array", "[1, 2, 3]");
    bad("json_scalar.jsonl", Reasons.NOT_AN_OBJECT, 2, "number", line(msg("js-1")), "42");
    bad("json_string.jsonl", Reasons.NOT_AN_OBJECT, 1, "string", "\"just text\"");
    bad("trailing_garbage.jsonl", Reasons.INVALID_JSON, 1, null, line(msg("tg-1")) + " xyz");
    bad("duplicate_key.jsonl", Reasons.INVALID_JSON, 1, "Duplicate field",
        line(msg("dk-1")).replace("\"lang\":\"en\"", "\"lang\":\"en\",\"lang\":\"de\""));
    bad("nan_value.jsonl", Reasons.INVALID_JSON, 1, null,
        line(msg("nan-1")).replace("\"review_count\":3", "\"review_count\":NaN"));
    bad("text_number.jsonl", Reasons.WRONG_TYPE, 1, "$.text", line(msg("tn-1").put("text", 5)));
    bad("review_count_string.jsonl", Reasons.WRONG_TYPE, 1, "$.review_count",
        line(msg("rc-1").put("review_count", "3")));
    bad("deleted_string.jsonl", Reasons.WRONG_TYPE, 1, "$.deleted", line(msg("ds-1").put("deleted", "false")));
    bad("rank_null_string.jsonl", Reasons.WRONG_TYPE, 1, "$.rank", line(msg("rn-1").put("rank", "null")));
    bad("rank_fraction.jsonl", Reasons.WRONG_TYPE, 1, "$.rank", line(msg("rf-1").put("rank", 1.5)));
    bad("missing_message_id.jsonl", Reasons.MISSING_FIELD, 1, "$.message_id",
        line(msg("x").putNull("message_id")));
    ObjectNode noText = msg("mt-1");
    noText.remove("text");
    bad("missing_text.jsonl", Reasons.MISSING_FIELD, 1, "$.text", line(noText));
    ObjectNode noRole = msg("mr-1");
    noRole.remove("role");
    bad("missing_role.jsonl", Reasons.MISSING_FIELD, 1, "$.role", line(noRole));
    bad("unknown_role.jsonl", Reasons.UNKNOWN_ROLE, 1, "system", line(msg("ur-1").put("role", "system")));
    bad("unknown_format.jsonl", Reasons.UNKNOWN_FORMAT, 1, null, "{\"id\": 1, \"content\": \"hi\"}");
    bad("tree_without_prompt_key.jsonl", Reasons.UNKNOWN_FORMAT, 1, null,
        "{\"message_tree_id\": \"t\", \"tree_state\": \"growing\"}");
    bad("bad_timestamp.jsonl", Reasons.BAD_TIMESTAMP, 1, "yesterday",
        line(msg("bt-1").put("created_date", "yesterday")));
    bad("timestamp_no_offset.jsonl", Reasons.BAD_TIMESTAMP, 1, "$.created_date",
        line(msg("bt-2").put("created_date", "2023-02-07T17:29:24.727400")));
    bad("timestamp_feb_30.jsonl", Reasons.BAD_TIMESTAMP, 1, null,
        line(msg("bt-3").put("created_date", "2023-02-30T17:29:24.727400+00:00")));
    ObjectNode labelsArray = msg("la-1");
    labelsArray.putArray("labels").add("spam");
    bad("labels_array.jsonl", Reasons.BAD_LABELS, 1, "$.labels", line(labelsArray));
    ObjectNode labelString = msg("ls-1");
    labelString.putObject("labels").putObject("spam").put("value", "high").put("count", 1);
    bad("label_value_string.jsonl", Reasons.BAD_LABELS, 1, "$.labels.spam.value", line(labelString));
    ObjectNode labelNumber = msg("ln-1");
    labelNumber.putObject("labels").put("spam", 0.5);
    bad("label_not_object.jsonl", Reasons.BAD_LABELS, 1, "$.labels.spam", line(labelNumber));
    ObjectNode hfMismatch = msg("hm-1");
    ObjectNode hfLabels = hfMismatch.putObject("labels");
    hfLabels.putArray("name").add("spam").add("quality");
    hfLabels.putArray("value").add(0.0);
    hfLabels.putArray("count").add(3).add(3);
    bad("hf_labels_length_mismatch.jsonl", Reasons.BAD_LABELS, 1, "equal length", line(hfMismatch));
    ObjectNode emojiString = msg("es-1");
    emojiString.putObject("emojis").put("+1", "many");
    bad("emoji_count_string.jsonl", Reasons.BAD_EMOJIS, 1, "$.emojis.+1", line(emojiString));
    ObjectNode detox = msg("dx-1");
    detox.putObject("detoxify").put("toxicity", "low");
    bad("detoxify_string.jsonl", Reasons.WRONG_TYPE, 1, "$.detoxify.toxicity", line(detox));

    ObjectNode nested = tree("nb");
    nodeAt(nested, 0, 0, 0).remove("role");
    bad("tree_bad_nested_node.jsonl", Reasons.MISSING_FIELD, 2, "$.prompt.replies[0].replies[0].replies[0].role",
        line(tree("nb-ok")), line(nested));
    ObjectNode repliesObject = tree("ro");
    nodeAt(repliesObject, 0).putObject("replies");
    bad("tree_replies_object.jsonl", Reasons.WRONG_TYPE, 1, "$.prompt.replies[0].replies", line(repliesObject));
    ObjectNode wrongParent = tree("wp");
    nodeAt(wrongParent, 0, 0).put("parent_id", "somebody-else");
    bad("tree_wrong_parent.jsonl", Reasons.TREE_INCONSISTENT, 1, "$.prompt.replies[0].replies[0].parent_id",
        line(wrongParent));
    ObjectNode nullPrompt = M.createObjectNode().put("message_tree_id", "np");
    nullPrompt.putNull("prompt");
    bad("tree_null_prompt.jsonl", Reasons.MISSING_FIELD, 1, "$.prompt", line(nullPrompt));
    ObjectNode rootMismatch = tree("rm");
    ((ObjectNode) rootMismatch.get("prompt")).put("message_id", "other-root");
    bad("tree_root_id_mismatch.jsonl", Reasons.TREE_INCONSISTENT, 1, "$.prompt.message_id", line(rootMismatch));

    // Invalid UTF-8: a lone 0xFF byte inside the text.
    byte[] utf8 = line(msg("iu-1").put("text", "abcXdef")).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < utf8.length; i++) if (utf8[i] == 'X') utf8[i] = (byte) 0xFF;
    byte[] utf8File = concat(lines(line(msg("iu-0"))), utf8, "\n".getBytes(StandardCharsets.UTF_8));
    CASES.add(new Case("invalid_utf8.jsonl", utf8File, Reasons.INVALID_UTF8, 2, null));

    // Truncated gzip: three lines, the stream cut in the middle of the compressed data.
    byte[] gz = gzip(lines(line(msg("tz-1")), line(msg("tz-2")), line(msg("tz-3").put("text", noise(20000)))));
    CASES.add(new Case("truncated.jsonl.gz", Arrays.copyOf(gz, gz.length - 200), Reasons.TRUNCATED_GZIP, 3, "ends early"));
    // Garbage after a valid gzip header.
    byte[] corrupt = gzip(lines(line(msg("cz-1"))));
    for (int i = 12; i < corrupt.length - 8; i++) corrupt[i] = (byte) 0xAB;
    CASES.add(new Case("corrupt.jsonl.gz", corrupt, Reasons.READ_ERROR, 1, null));
    CASES.add(new Case("empty.jsonl", new byte[0], Reasons.EMPTY_FILE, 0, null));

    // Conflicting duplicates: both copies quarantined with the message_id.
    bad("conflict.jsonl", Reasons.DUPLICATE_CONFLICT, 2, "different contents",
        line(msg("ok-conflict-neighbour")), line(msg("dup-c")), line(msg("dup-c").put("text", "changed")));

    // Accepted cases.
    byte[] bom = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, lines(line(msg("bom-1"))));
    CASES.add(new Case("bom.jsonl", bom, null, 1, null));
    CASES.add(new Case("crlf.jsonl", (line(msg("crlf-1")) + "\r\n" + line(msg("crlf-2")) + "\r\n").getBytes(StandardCharsets.UTF_8), null, 2, null));
    CASES.add(new Case("no_final_newline.jsonl", (ok + "\n" + line(msg("nf-2"))).getBytes(StandardCharsets.UTF_8), null, 2, null));
    CASES.add(new Case("big_text.jsonl", lines(line(msg("big-1").put("text", "y".repeat(BIG)))), null, 1, null));
    ObjectNode nullsDropped = M.createObjectNode();
    msg("nd-1").fields().forEachRemaining(e -> { if (!e.getValue().isNull()) nullsDropped.set(e.getKey(), e.getValue()); });
    CASES.add(new Case("nulls_dropped.jsonl", lines(line(nullsDropped)), null, 1, null));
    ObjectNode extra = tree("uk");
    extra.put("tree_extra", 1);
    nodeAt(extra, 0).putObject("CRITERIA").put("x", 1);
    nodeAt(extra, 0, 0, 0).putObject("CRITERIA").put("x", 2);
    CASES.add(new Case("unknown_keys.jsonl", lines(line(extra)), null, 1, null));
    CASES.add(new Case("identical_duplicate.jsonl", lines(line(msg("dup-i")), line(msg("dup-i"))), null, 2, null));
    CASES.add(new Case("named_plain_but_gzip.jsonl", gzip(lines(line(msg("gz-1")))), null, 1, null));

    corpus = dir.resolve("corpus");
    Files.createDirectories(corpus);
    for (Case c : CASES) Files.write(corpus.resolve(c.file()), c.content());
    result = OasstReader.read(TestSpark.get(), List.of(corpus.toString()), ReadOptions.defaults());
    for (Row q : result.quarantine().collectAsList()) {
      String name = Path.of(java.net.URI.create(q.getString(0)).getPath()).getFileName().toString();
      quarantineByFile.computeIfAbsent(name, k -> new ArrayList<>()).add(q);
    }
    for (Row m : result.messages().collectAsList()) messagesById.put(m.getAs("message_id"), m);
  }

  @AfterAll
  static void release() {
    if (result != null) result.release();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  @TestFactory
  Stream<DynamicTest> everyCaseEndsWhereExpected() {
    return CASES.stream()
        .map(c -> DynamicTest.dynamicTest(c.file(), () -> {
          List<Row> q = quarantineByFile.getOrDefault(c.file(), List.of());
          if (c.reason() == null) {
            assertEquals(List.of(), q, c.file() + " must be accepted whole");
            return;
          }
          Row hit = q.stream().filter(r -> r.getLong(1) == c.line()).findFirst().orElse(null);
          assertNotNull(hit, c.file() + ": no quarantine row at line " + c.line() + ", got " + q);
          assertEquals(c.reason(), hit.getString(2), c.file() + ": " + hit);
          if (c.detailContains() != null) {
            assertTrue(hit.getString(3).contains(c.detailContains()), c.file() + ": detail " + hit.getString(3));
          }
          if (!c.reason().equals(Reasons.DUPLICATE_CONFLICT)) {
            assertEquals(1, q.size(), c.file() + ": only the bad line is quarantined: " + q);
          }
        }));
  }

  @Test
  void everyFileBalances() {
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Long>> files = (Map<String, Map<String, Long>>) result.reconciliation().get("files");
    assertEquals(CASES.size(), files.size());
    for (Map.Entry<String, Map<String, Long>> e : files.entrySet()) {
      Map<String, Long> f = e.getValue();
      assertEquals(f.get("lines_read"), f.get("lines_accepted") + f.get("lines_quarantined"), e.getKey());
    }
    Map<String, Object> t = result.totals();
    long quarantineRows = result.quarantine().count();
    assertEquals(t.get("quarantine_rows"), quarantineRows);
  }

  @Test
  void goodLinesBesideBadOnesAreKept() {
    for (String id : List.of("ij-1", "bl-1", "bl-3", "js-1", "iu-0", "tz-1", "tz-2", "ok-conflict-neighbour", "nb-ok", "nb-ok-a1")) {
      assertTrue(messagesById.containsKey(id), id);
    }
    assertTrue(!messagesById.containsKey("dup-c"), "conflicting copies leave the table");
    List<Row> conflict = quarantineByFile.get("conflict.jsonl");
    assertEquals(2, conflict.size());
    for (Row r : conflict) assertEquals("dup-c", r.getString(4));
    assertEquals(List.of(2L, 3L), conflict.stream().map(r -> r.getLong(1)).sorted().toList());
  }

  @Test
  void bigTextIsKeptWhole() {
    assertEquals(BIG + 0L, ((String) messagesById.get("big-1").getAs("text")).length());
  }

  @Test
  void quarantinedRecordsAreCut() {
    for (List<Row> rows : quarantineByFile.values()) {
      for (Row r : rows) assertTrue(r.isNullAt(5) || r.getString(5).length() <= 4096);
    }
    Row truncated = quarantineByFile.get("truncated.jsonl.gz").get(0);
    assertEquals(4096, truncated.getString(5).length(), "the partial third line, cut to 4096");
  }

  @Test
  void bothNullStylesGiveTheSameRow() {
    Row written = messagesById.get("ok-1");
    Row dropped = messagesById.get("nd-1");
    for (String c : List.of("parent_id", "rank", "model_name", "labels", "emojis", "detoxify", "events")) {
      assertTrue(written.isNullAt(written.fieldIndex(c)) && dropped.isNullAt(dropped.fieldIndex(c)), c);
    }
  }

  @Test
  void unknownKeysAreCountedPerOccurrenceAtEveryDepth() {
    assertEquals(2L, result.unknownKeys().get("CRITERIA"));
    assertEquals(1L, result.unknownKeys().get("tree_extra"));
    Row a3 = messagesById.get("uk-a3");
    assertEquals("uk-p2", a3.getAs("parent_id"), "parent implied by nesting");
    assertEquals("uk", a3.getAs("message_tree_id"));
  }

  @Test
  void duplicatesAndDetectionAreCounted() {
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Long>> files = (Map<String, Map<String, Long>>) result.reconciliation().get("files");
    Map<String, Long> identical = byName(files, "identical_duplicate.jsonl");
    assertEquals(1L, identical.get("duplicate_messages_collapsed"));
    assertEquals(2L, byName(files, "conflict.jsonl").get("conflicting_messages_quarantined"));
    assertEquals(1L, byName(files, "blank_line.jsonl").get("blank_lines"));
    assertTrue(result.inputs().stream().anyMatch(i ->
        String.valueOf(i.get("path")).endsWith("named_plain_but_gzip.jsonl") && "gzip".equals(i.get("container"))));
    assertTrue(messagesById.containsKey("gz-1"));
    assertEquals(1L, byName(files, "empty.jsonl").get("empty_files"));
  }

  static Map<String, Long> byName(Map<String, Map<String, Long>> files, String name) {
    return files.entrySet().stream().filter(e -> e.getKey().endsWith("/" + name)).findFirst().orElseThrow().getValue();
  }

  @Test
  void badInputsFailBeforeAnyJob() {
    var spark = TestSpark.get();
    InputException missing = assertThrows(InputException.class,
        () -> OasstReader.read(spark, List.of(dir.resolve("nope.jsonl").toString()), ReadOptions.defaults()));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    InputException glob = assertThrows(InputException.class,
        () -> OasstReader.read(spark, List.of(corpus + "/*.nothing"), ReadOptions.defaults()));
    assertTrue(glob.getMessage().contains("matches no file"), glob.getMessage());
    assertThrows(InputException.class, () -> ReadOptions.defaults().withFormat("xml"));
    assertThrows(InputException.class, () -> OasstReader.read(spark, List.of(), ReadOptions.defaults()));
  }

  @Test
  void globsSelectFiles() {
    IngestResult r = OasstReader.read(TestSpark.get(), List.of(corpus + "/{crlf,bom}.jsonl"), ReadOptions.defaults());
    try {
      assertEquals(2, r.inputs().size());
      assertEquals(3L, r.messages().count());
    } finally {
      r.release();
    }
  }

  @Test
  void aForcedFormatQuarantinesOtherLines() {
    IngestResult r = OasstReader.read(TestSpark.get(),
        List.of(corpus.resolve("crlf.jsonl").toString(), corpus.resolve("unknown_keys.jsonl").toString()),
        ReadOptions.defaults().withFormat("trees"));
    try {
      List<Row> q = r.quarantine().collectAsList();
      assertEquals(2, q.size());
      for (Row row : q) assertEquals(Reasons.FORMAT_MISMATCH, row.getString(2));
      assertEquals(4L, r.messages().count(), "the tree's four messages");
    } finally {
      r.release();
    }
  }

  @Test
  void aLongFileKeepsLineOrderAndNumbersAcrossParseBatches() throws Exception {
    // Long enough for several batches of the parser pool; broken lines at known places, and a gzip
    // stream cut off in the middle of a line near the end.
    int n = 3000;
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      if (i == 700) text.append("{not json\n");
      else if (i == 1500) text.append(" \n");
      else text.append(line(msg("long-" + i))).append('\n');
    }
    byte[] whole;
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.toString().getBytes(StandardCharsets.UTF_8));
      gz.finish();
      whole = bytes.toByteArray();
    }
    Path file = dir.resolve("long.jsonl.gz");
    Files.write(file, Arrays.copyOf(whole, whole.length - 200));
    IngestResult r = OasstReader.read(TestSpark.get(), List.of(file.toString()), ReadOptions.defaults());
    try {
      List<Row> q = r.quarantine().orderBy("source_line").collectAsList();
      assertEquals(List.of(700L, 1500L), q.subList(0, 2).stream().map(x -> x.getLong(1)).toList());
      assertEquals(Reasons.INVALID_JSON, q.get(0).getString(2));
      assertEquals(Reasons.BLANK_LINE, q.get(1).getString(2));
      assertEquals(3, q.size());
      assertEquals(Reasons.TRUNCATED_GZIP, q.get(2).getString(2));
      long cutAt = q.get(2).getLong(1);
      assertTrue(cutAt > 2500 && cutAt <= n, "cut near the end: " + cutAt);
      List<Row> kept = r.messages().select("message_id", "source_line").collectAsList();
      assertEquals(cutAt - 1 - 2, kept.size(), "every complete good line before the cut");
      for (Row m : kept) assertEquals("long-" + m.getLong(1), m.getString(0));
      Map<String, Object> totals = r.totals();
      assertEquals(cutAt, totals.get("lines_read"));
      assertEquals(cutAt - 3, totals.get("lines_accepted"));
    } finally {
      r.release();
    }
  }
}
