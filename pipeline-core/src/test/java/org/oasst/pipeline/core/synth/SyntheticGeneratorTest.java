package org.oasst.pipeline.core.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.oasst.pipeline.core.synth.SynthTestSupport.isNull;
import static org.oasst.pipeline.core.synth.SynthTestSupport.lines;
import static org.oasst.pipeline.core.synth.SynthTestSupport.nodesOf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.synth.SynthOptions.Format;
import org.oasst.pipeline.core.synth.SynthOptions.NullStyle;

class SyntheticGeneratorTest {

  private static final Set<String> STATES =
      Set.of(
          "prompt_lottery_waiting", "ready_for_export", "aborted_low_grade", "growing",
          "halted_by_moderator", "initial_prompt_review", "backlog_ranking", "ranking",
          "ready_for_scoring", "scoring_failed");

  @Test
  void sameSeedSameBytesDifferentSeedDifferentBytes() {
    for (Format f : List.of(Format.TREES, Format.MESSAGES, Format.HF_JSONL)) {
      SynthOptions o = SynthOptions.of(1500).withFormat(f).withSeed(7);
      byte[] a = SynthTestSupport.bytes(o);
      byte[] b = SynthTestSupport.bytes(o);
      assertArrayEquals(a, b, f + ": same seed must give the same bytes");
      assertFalse(Arrays.equals(a, SynthTestSupport.bytes(o.withSeed(8))), f + ": seed ignored");
    }
  }

  @Test
  void threadCountDoesNotChangeTheBytesEvenGzipped() {
    SynthOptions o = SynthOptions.of(2500).withGzip(true).withSeed(3);
    byte[] one = SynthTestSupport.bytes(o);
    byte[] three = SynthTestSupport.bytes(o.withThreads(3));
    assertArrayEquals(one, three);
    assertEquals((byte) 0x1f, one[0]);
    assertEquals((byte) 0x8b, one[1]);
  }

  @Test
  void eachTreeDependsOnlyOnSeedAndIndex() {
    SyntheticGenerator g = new SyntheticGenerator(11, 10_000, false);
    SynthTree late = g.generate(9_876);
    // generating others in between, or in another instance, must not matter
    for (int i = 0; i < 50; i++) g.generate(i);
    SynthTree again = new SyntheticGenerator(11, 10_000, false).generate(9_876);
    assertEquals(late.treeId(), again.treeId());
    assertEquals(late.root().text, again.root().text);
    assertEquals(late.messageCount(), again.messageCount());
  }

  @Test
  void gzipOutputDecompressesToThePlainBytes() throws IOException {
    SynthOptions o = SynthOptions.of(600).withSeed(5);
    byte[] plain = SynthTestSupport.bytes(o);
    byte[] gz = SynthTestSupport.bytes(o.withGzip(true));
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      assertArrayEquals(plain, in.readAllBytes());
    }
  }

  @Test
  void treesSatisfyTheInvariants() {
    List<JsonNode> trees = lines(SynthOptions.of(3000).withSeed(21));
    assertEquals(3000, trees.size());
    int rankedParents = 0;
    for (JsonNode t : trees) {
      assertTrue(STATES.contains(t.get("tree_state").asText()), t.get("tree_state").asText());
      JsonNode root = t.get("prompt");
      assertEquals(t.get("message_tree_id").asText(), root.get("message_id").asText());
      assertTrue(isNull(root, "parent_id"));
      assertEquals("prompter", root.get("role").asText());
      boolean ranked = t.get("tree_state").asText().equals("ready_for_export");
      rankedParents += checkNode(root, ranked);
    }
    assertTrue(rankedParents > 300, "ranked sibling groups: " + rankedParents);
  }

  /** Returns the number of sibling groups with ranks below (and including) {@code n}. */
  private static int checkNode(JsonNode n, boolean rankedTree) {
    String role = n.get("role").asText();
    OffsetDateTime created = OffsetDateTime.parse(n.get("created_date").asText());
    assertTrue(n.get("created_date").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00"));
    boolean deleted = n.get("deleted").asBoolean();
    int reviews = n.get("review_count").asInt();
    checkAcceptance(n, reviews);
    List<Integer> ranks = new ArrayList<>();
    Integer previousRank = null;
    boolean seenNullRank = false;
    for (JsonNode c : n.get("replies")) {
      assertEquals(n.get("message_id").asText(), c.get("parent_id").asText());
      assertFalse(role.equals(c.get("role").asText()), "roles must alternate");
      assertTrue(
          OffsetDateTime.parse(c.get("created_date").asText()).isAfter(created),
          "child created after parent");
      if (deleted) assertTrue(c.get("deleted").asBoolean(), "deleted parent, live child");
      if (!isNull(c, "rank")) {
        assertEquals("assistant", c.get("role").asText());
        assertTrue(rankedTree, "ranks only in ranked trees");
        int r = c.get("rank").asInt();
        assertFalse(seenNullRank, "replies sorted by rank, nulls last");
        if (previousRank != null) assertTrue(r > previousRank, "replies sorted by rank");
        previousRank = r;
        ranks.add(r);
      } else {
        seenNullRank = true;
      }
    }
    int groups = 0;
    if (!ranks.isEmpty()) {
      groups = 1;
      assertTrue(ranks.size() >= 2, "a lone ranked reply");
      for (int i = 0; i < ranks.size(); i++) assertEquals(i, ranks.get(i), "ranks 0..n-1");
    }
    for (JsonNode c : n.get("replies")) groups += checkNode(c, rankedTree);
    return groups;
  }

  /** Reference 4.1, recomputed from the written spam and lang_mismatch means. */
  private static void checkAcceptance(JsonNode n, int reviews) {
    if (reviews <= 2) {
      assertTrue(isNull(n, "review_result"), "undecided must be null");
      return;
    }
    JsonNode labels = n.get("labels");
    double spam = labels.get("spam").get("value").asDouble();
    double mismatch = labels.has("lang_mismatch") ? labels.get("lang_mismatch").get("value").asDouble() : 0;
    assertEquals(reviews, labels.get("spam").get("count").asInt());
    boolean expected = 1.0 - (spam + mismatch) > 0.6;
    assertEquals(expected, n.get("review_result").asBoolean(), n.toString());
  }

  @Test
  void acceptanceRuleMatchesTheReferenceExamples() {
    assertTrue(SyntheticGenerator.accepted(1, 0, 3)); // spam [0,0,1] -> 0.667
    assertFalse(SyntheticGenerator.accepted(2, 0, 3)); // spam [0,1,1] -> 0.333
    assertTrue(SyntheticGenerator.accepted(0, 1, 3)); // lang_mismatch [0,1,0] -> 0.667
    assertFalse(SyntheticGenerator.accepted(2, 0, 5)); // 0.6 is not > 0.6
  }

  @Test
  void statesAgreeWithTheirPrompts() {
    for (JsonNode t : lines(SynthOptions.of(4000).withSeed(2))) {
      String state = t.get("tree_state").asText();
      JsonNode root = t.get("prompt");
      int size = nodesOf(t).size();
      switch (state) {
        case "prompt_lottery_waiting":
          assertEquals(1, size);
          assertTrue(root.get("review_result").asBoolean());
          break;
        case "initial_prompt_review":
          assertEquals(1, size);
          assertTrue(isNull(root, "review_result"));
          break;
        case "aborted_low_grade":
          assertEquals(1, size);
          boolean redFlagged =
              !isNull(root, "emojis")
                  && root.get("emojis").has("red_flag")
                  && root.get("emojis").get("red_flag").asInt() >= 4;
          assertTrue(!root.get("review_result").asBoolean() || redFlagged, "aborted for no reason");
          break;
        case "ready_for_export":
          assertTrue(size >= 3);
          assertTrue(root.get("review_result").asBoolean());
          break;
        default:
          break;
      }
    }
  }

  @Test
  void messagesFormatIsFlatDepthFirstWithTreeIdAndState() {
    List<JsonNode> rows = lines(SynthOptions.of(800).withFormat(Format.MESSAGES).withSeed(4));
    List<JsonNode> trees = lines(SynthOptions.of(800).withSeed(4));
    int expected = 0;
    Map<String, String> stateOfTree = new HashMap<>();
    for (JsonNode t : trees) {
      expected += nodesOf(t).size();
      stateOfTree.put(t.get("message_tree_id").asText(), t.get("tree_state").asText());
    }
    assertEquals(expected, rows.size());
    Set<String> seen = new HashSet<>();
    for (JsonNode m : rows) {
      assertFalse(m.has("replies"));
      String tree = m.get("message_tree_id").asText();
      assertEquals(stateOfTree.get(tree), m.get("tree_state").asText());
      if (isNull(m, "parent_id")) assertEquals(tree, m.get("message_id").asText());
      else assertTrue(seen.contains(m.get("parent_id").asText()), "parent before child");
      seen.add(m.get("message_id").asText());
    }
  }

  @Test
  void hfRowsCarryParallelArrays() {
    List<JsonNode> rows = lines(SynthOptions.of(500).withFormat(Format.HF_JSONL).withSeed(4));
    List<JsonNode> msgs = lines(SynthOptions.of(500).withFormat(Format.MESSAGES).withSeed(4));
    assertEquals(msgs.size(), rows.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode hf = rows.get(i);
      JsonNode official = msgs.get(i);
      assertEquals(official.get("message_id"), hf.get("message_id"));
      JsonNode labels = hf.get("labels");
      assertTrue(labels.get("name").isArray());
      assertEquals(labels.get("name").size(), labels.get("value").size());
      assertEquals(labels.get("name").size(), labels.get("count").size());
      // same content as the official map
      for (int j = 0; j < labels.get("name").size(); j++) {
        JsonNode o = official.get("labels").get(labels.get("name").get(j).asText());
        assertEquals(o.get("value").asDouble(), labels.get("value").get(j).asDouble());
        assertEquals(o.get("count").asInt(), labels.get("count").get(j).asInt());
      }
      JsonNode emojis = hf.get("emojis");
      assertEquals(emojis.get("name").size(), emojis.get("count").size());
      int officialEmojis = isNull(official, "emojis") ? 0 : official.get("emojis").size();
      assertEquals(officialEmojis, emojis.get("name").size());
    }
  }

  @Test
  void nullStylesDropOrWriteEveryKey() {
    for (Format f : List.of(Format.TREES, Format.MESSAGES, Format.HF_JSONL)) {
      SynthOptions o = SynthOptions.of(400).withFormat(f).withSeed(9);
      int nullsWritten = 0;
      for (JsonNode line : lines(o.withNullStyle(NullStyle.WRITE))) nullsWritten += countNulls(line);
      assertTrue(nullsWritten > 400, f + ": write style wrote few nulls: " + nullsWritten);
      for (JsonNode line : lines(o.withNullStyle(NullStyle.DROP))) {
        assertEquals(0, countNulls(line), f + ": null written in drop style: " + line);
      }
    }
    JsonNode first = lines(SynthOptions.of(1).withNullStyle(NullStyle.WRITE)).get(0);
    for (String key : List.of("parent_id", "rank", "model_name", "events", "message_tree_id", "tree_state")) {
      assertTrue(first.get("prompt").has(key), "missing key " + key);
    }
    assertTrue(first.has("origin"));
  }

  private static int countNulls(JsonNode n) {
    if (n.isNull()) return 1;
    int c = 0;
    for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) c += countNulls(it.next());
    return c;
  }

  @Test
  void unknownKeysOnlyWhenAskedAndNothingElseChanges() {
    List<JsonNode> with = lines(SynthOptions.of(2000).withUnknownKeys(true).withFormat(Format.MESSAGES));
    List<JsonNode> without = lines(SynthOptions.of(2000).withFormat(Format.MESSAGES));
    assertEquals(without.size(), with.size());
    int extra = 0;
    for (int i = 0; i < with.size(); i++) {
      com.fasterxml.jackson.databind.node.ObjectNode w = (com.fasterxml.jackson.databind.node.ObjectNode) with.get(i).deepCopy();
      if (w.remove("CRITERIA") != null) extra++;
      assertEquals(without.get(i), w, "unknown keys must not change the content");
      assertFalse(without.get(i).has("CRITERIA"));
    }
    assertTrue(extra > 20, "messages with an unknown key: " + extra);
    String trees = new String(SynthTestSupport.bytes(SynthOptions.of(2000).withUnknownKeys(true)));
    assertTrue(trees.contains("\"x_source\""));
    assertFalse(new String(SynthTestSupport.bytes(SynthOptions.of(2000))).contains("\"x_source\""));
  }

  @Test
  void textsExerciseEscapingAndUnicode() {
    SynthOptions o = SynthOptions.of(1500).withSeed(13);
    byte[] asciiBytes = SynthTestSupport.bytes(o);
    String ascii = new String(asciiBytes, java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < ascii.length(); i++) {
      if (ascii.charAt(i) > 0x7F) fail("non-ASCII character in ascii-only output at " + i);
    }
    boolean quote = false, backslash = false, newline = false, cjk = false, emoji = false, accent = false;
    List<JsonNode> raw = lines(o.withAsciiOnly(false));
    for (JsonNode t : raw) {
      for (JsonNode n : nodesOf(t)) {
        String text = n.get("text").asText();
        quote |= text.contains("\"");
        backslash |= text.contains("\\");
        newline |= text.contains("\n");
        cjk |= text.codePoints().anyMatch(c -> c >= 0x4E00 && c <= 0x9FFF);
        emoji |= text.codePoints().anyMatch(c -> c >= 0x1F300);
        accent |= text.contains("é") || text.contains("ñ") || text.contains("ó");
      }
    }
    assertTrue(quote && backslash && newline && cjk && emoji && accent);
    // both spellings carry the same texts
    assertEquals(SynthTestSupport.parseLines(asciiBytes), raw);
  }

  @Test
  void sharesAreNearTheTargets() {
    int trees = 5000;
    List<JsonNode> lines = lines(SynthOptions.of(trees).withSeed(99));
    Map<String, Integer> states = new HashMap<>();
    Map<String, Integer> langs = new HashMap<>();
    List<Integer> assistantLengths = new ArrayList<>();
    List<Integer> promptLengths = new ArrayList<>();
    int messages = 0, deleted = 0, synthetic = 0, withDetox = 0, readyMessages = 0;
    Map<String, Integer> perUser = new HashMap<>();
    for (JsonNode t : lines) {
      String state = t.get("tree_state").asText();
      states.merge(state, 1, Integer::sum);
      langs.merge(t.get("prompt").get("lang").asText(), 1, Integer::sum);
      for (JsonNode n : nodesOf(t)) {
        messages++;
        if (state.equals("ready_for_export")) readyMessages++;
        deleted += n.get("deleted").asBoolean() ? 1 : 0;
        synthetic += n.get("synthetic").asBoolean() ? 1 : 0;
        withDetox += isNull(n, "detoxify") ? 0 : 1;
        perUser.merge(n.get("user_id").asText(), 1, Integer::sum);
        int len = n.get("text").asText().length();
        if (n.get("role").asText().equals("assistant")) assistantLengths.add(len);
        else if (isNull(n, "parent_id")) promptLengths.add(len);
      }
    }
    assertNear("messages per tree", 2.5, messages / (double) trees, 0.15);
    assertNear("lottery share", 0.78, states.get("prompt_lottery_waiting") / (double) trees, 0.025);
    assertNear("ready share", 0.165, states.get("ready_for_export") / (double) trees, 0.02);
    assertNear("ready tree size", 9.3, readyMessages / (double) states.get("ready_for_export"), 0.8);
    assertTrue(states.keySet().containsAll(List.of("aborted_low_grade", "growing", "halted_by_moderator", "initial_prompt_review")));
    assertNear("english share", 0.44, langs.get("en") / (double) trees, 0.03);
    assertNear("spanish share", 0.22, langs.get("es") / (double) trees, 0.03);
    assertTrue(langs.size() >= 20, "long tail of languages: " + langs.size());
    assertNear("assistant median length", 570, median(assistantLengths), 60);
    assertTrue(median(promptLengths) < 300, "prompts shorter");
    assertNear("deleted share", 0.045, deleted / (double) messages, 0.025);
    assertTrue(synthetic > 0 && synthetic < 0.06 * messages, "synthetic: " + synthetic);
    assertNear("detoxify present", 0.9, withDetox / (double) messages, 0.03);
    // heavy-tailed contributors: the top 1% of active users write a large share
    List<Integer> counts = new ArrayList<>(perUser.values());
    counts.sort((a, b) -> b - a);
    int top = Math.max(1, counts.size() / 100);
    int topSum = counts.subList(0, top).stream().mapToInt(Integer::intValue).sum();
    assertTrue(topSum > 0.15 * messages, "top 1% of users wrote " + topSum + " of " + messages);
    double bytesPerMessage = SynthTestSupport.bytes(SynthOptions.of(trees).withSeed(99)).length / (double) messages;
    assertNear("bytes per message", 2000, bytesPerMessage, 300);
  }

  @Test
  void toxicityIsExpressedInTextLabelsAndDeletion() {
    List<Double> wordRate = new ArrayList<>();
    List<Double> detox = new ArrayList<>();
    List<Double> humanToxicity = new ArrayList<>();
    List<Double> detoxWithLabel = new ArrayList<>();
    double deletedDetox = 0, retainedDetox = 0;
    int deletedN = 0, retainedN = 0;
    for (JsonNode t : lines(SynthOptions.of(3000).withSeed(17))) {
      for (JsonNode n : nodesOf(t)) {
        if (isNull(n, "detoxify")) continue;
        double d = n.get("detoxify").get("toxicity").asDouble();
        String text = n.get("text").asText();
        wordRate.add(toxicWordRate(text));
        detox.add(d);
        if (!isNull(n, "labels") && n.get("labels").has("toxicity")) {
          humanToxicity.add(n.get("labels").get("toxicity").get("value").asDouble());
          detoxWithLabel.add(d);
        }
        if (n.get("deleted").asBoolean()) {
          deletedDetox += d;
          deletedN++;
        } else {
          retainedDetox += d;
          retainedN++;
        }
      }
    }
    double textCorr = pearson(wordRate, detox);
    double labelCorr = pearson(humanToxicity, detoxWithLabel);
    assertTrue(textCorr > 0.3, "toxic words vs Detoxify: " + textCorr);
    assertTrue(labelCorr > 0.3, "human toxicity vs Detoxify: " + labelCorr);
    assertTrue(deletedDetox / deletedN > 2 * (retainedDetox / retainedN), "deleted are more toxic");
  }

  /** Share of whitespace-separated tokens that are toxic stand-ins, computed from the text alone. */
  private static double toxicWordRate(String text) {
    Set<String> toxic = new HashSet<>();
    for (String w : SynthVocabulary.TOXIC_ALL) toxic.addAll(Arrays.asList(w.split(" ")));
    String[] tokens = text.toLowerCase().split("[\\s.?!。？]+");
    if (tokens.length == 0) return 0;
    int hits = 0;
    for (String tok : tokens) if (toxic.contains(tok)) hits++;
    return hits / (double) tokens.length;
  }

  @Test
  void userIdsAreStablePerPoolIndex() {
    assertEquals(SyntheticGenerator.userId(1, 5), SyntheticGenerator.userId(1, 5));
    assertFalse(SyntheticGenerator.userId(1, 5).equals(SyntheticGenerator.userId(1, 6)));
    assertTrue(SyntheticGenerator.userId(1, 5).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    assertNull(new SyntheticGenerator(1, 10, false).generate(0).origin());
    assertNotNull(new SyntheticGenerator(1, 10, false).generate(0).root().userId);
  }

  static void assertNear(String what, double expected, double actual, double tolerance) {
    assertTrue(
        Math.abs(expected - actual) <= tolerance,
        what + ": expected " + expected + " +- " + tolerance + ", got " + actual);
  }

  static double median(List<Integer> values) {
    List<Integer> s = new ArrayList<>(values);
    s.sort(Integer::compare);
    return s.get(s.size() / 2);
  }

  static double pearson(List<Double> x, List<Double> y) {
    int n = x.size();
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
      mx += x.get(i);
      my += y.get(i);
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x.get(i) - mx, dy = y.get(i) - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxy / Math.sqrt(sxx * syy);
  }
}
