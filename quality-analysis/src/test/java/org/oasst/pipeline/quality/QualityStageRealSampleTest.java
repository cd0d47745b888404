package org.oasst.pipeline.quality;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;

/**
 * The whole stage on the real OASST2 sample (read by the pipeline's reader), each figure checked
 * against a direct computation over the file parsed independently with plain Jackson.
 */
class QualityStageRealSampleTest {
  @TempDir static Path dir;
  static List<Msg> msgs;
  static OutputStore store;

  @BeforeAll
  static void runStage() {
    SparkSession spark = TestSpark.get();
    msgs = RealSample.load(TestSpark.realSample(TestSpark.OPENPAWS));
    assertEquals(1500, msgs.size(), "README: 1,500 distinct messages");
    store = new OutputStore(spark, dir.resolve("out").toString());
    IngestResult read = OasstReader.read(
        spark, List.of(TestSpark.realSample(TestSpark.OPENPAWS).toString()), ReadOptions.defaults());
    store.writeTable("tables/messages", read.messages());
    read.release();
    long start = System.nanoTime();
    QualityStage.run(spark, store, PipelineConfig.defaults());
    System.out.printf("analyze on openpaws: %.1f s%n", (System.nanoTime() - start) / 1e9);
    System.out.println("timings: " + store.readText("analysis/quality.meta.json").replaceAll("(?s).*\"timings_ms\" : (\\{[^}]*\\}).*", "$1"));
  }

  private static Dataset<Row> out(String name) {
    return store.read("analysis/" + name);
  }

  @Test
  void languages() {
    Map<String, Long> perLang = msgs.stream()
        .collect(Collectors.groupingBy(m -> m.lang == null ? "und" : m.lang, TreeMap::new, Collectors.counting()));
    Map<String, Long> treesPerLang = msgs.stream().filter(m -> m.parent == null)
        .collect(Collectors.groupingBy(m -> m.lang == null ? "und" : m.lang, Collectors.counting()));
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(perLang.entrySet());
    sorted.sort(Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue()).thenComparing(Map.Entry::getKey));
    List<Row> rows = out("languages").orderBy("position").collectAsList();
    System.out.println("languages (openpaws):");
    for (Row r : rows) System.out.println("  " + r);
    for (int i = 0; i < 10; i++) {
      assertEquals(sorted.get(i).getKey(), rows.get(i).getString(1));
      assertEquals(sorted.get(i).getValue(), rows.get(i).getLong(3));
      assertEquals(treesPerLang.getOrDefault(sorted.get(i).getKey(), 0L), rows.get(i).getLong(9));
      assertEquals(sorted.get(i).getValue() / 1500.0, rows.get(i).getDouble(4), 1e-12);
    }
    long tail = sorted.subList(10, sorted.size()).stream().mapToLong(Map.Entry::getValue).sum();
    assertEquals(sorted.size() - 10, rows.get(10).getInt(2));
    assertEquals(tail, rows.get(10).getLong(3));
    assertTrue(Files.exists(dir.resolve("out/analysis/languages.csv")));
  }

  @Test
  void contributorConcentration() {
    Map<String, Long> perUser = msgs.stream().filter(m -> m.user != null)
        .collect(Collectors.groupingBy(m -> m.user, Collectors.counting()));
    long anonymous = msgs.stream().filter(m -> m.user == null).count();
    double[] x = perUser.values().stream().mapToDouble(Long::doubleValue).toArray();
    int n = x.length;
    double total = 0, absDiff = 0;
    for (double a : x) total += a;
    for (double a : x) for (double b : x) absDiff += Math.abs(a - b);
    double gini = absDiff / (2.0 * n * n * (total / n)); // mean absolute difference form
    List<Long> desc = perUser.values().stream().sorted(Comparator.reverseOrder()).toList();
    long top1 = desc.subList(0, (int) Math.ceil(n * 0.01)).stream().mapToLong(Long::longValue).sum();
    int half = 0;
    for (long run = 0; run * 2 < total; half++) run += desc.get(half);

    Row r = out("contributor_summary")
        .filter(col("scope").equalTo("all").and(col("kind").equalTo("total"))).first();
    System.out.println("contributors (openpaws): " + r);
    assertEquals(n, r.<Long>getAs("users"));
    assertEquals(gini, r.<Double>getAs("gini"), 1e-9);
    assertEquals(top1 / total, r.<Double>getAs("top1_share"), 1e-12);
    assertEquals(half, r.<Integer>getAs("users_for_half"));
    assertEquals(anonymous, r.<Long>getAs("anonymous_contributions"));
    assertEquals(n, out("contributors").count());
  }

  @Test
  void labelMeanAndCorrelation() {
    double[] q = msgs.stream().filter(m -> m.labels != null && m.labels.containsKey("quality")
        && !m.labels.get("quality").isNullAt(0)).mapToDouble(m -> m.labels.get("quality").getDouble(0)).toArray();
    Row stat = out("label_stats").filter(col("scope").equalTo("all").and(col("name").equalTo("quality"))).first();
    assertEquals(q.length, stat.<Long>getAs("messages_with_value"));
    assertEquals(java.util.Arrays.stream(q).average().orElseThrow(), stat.<Double>getAs("mean"), 1e-12);

    List<double[]> pairs = new ArrayList<>();
    for (Msg m : msgs) {
      if (m.labels == null) continue;
      Row a = m.labels.get("quality"), b = m.labels.get("humor");
      if (a != null && b != null && !a.isNullAt(0) && !b.isNullAt(0)) pairs.add(new double[] {a.getDouble(0), b.getDouble(0)});
    }
    double mx = pairs.stream().mapToDouble(p -> p[0]).average().orElseThrow();
    double my = pairs.stream().mapToDouble(p -> p[1]).average().orElseThrow();
    double sxy = 0, sxx = 0, syy = 0;
    for (double[] p : pairs) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
      syy += (p[1] - my) * (p[1] - my);
    }
    Row cell = out("label_correlation")
        .filter(col("label_a").equalTo("quality").and(col("label_b").equalTo("humor"))).first();
    System.out.println("quality x humor (openpaws): " + cell);
    assertEquals(pairs.size(), cell.<Long>getAs("n"));
    assertEquals(sxy / Math.sqrt(sxx * syy), cell.<Double>getAs("pearson"), 1e-9);
  }

  @Test
  void acceptanceAudit() {
    long audited = 0, disagree = 0;
    for (Msg m : msgs) {
      if (m.reviewCount == null || m.reviewCount < 3) continue;
      audited++;
      double spam = value(m, "spam"), lm = value(m, "lang_mismatch");
      boolean accept = 1 - spam - lm > 0.6 + 1e-9;
      if (m.reviewResult != null && m.reviewResult != accept) disagree++;
    }
    List<Row> rows = out("acceptance_audit").collectAsList();
    long gotAudited = rows.stream().mapToLong(r -> r.<Long>getAs("audited")).sum();
    long gotDisagree = rows.stream().mapToLong(r -> r.<Long>getAs("recomputed_accept_exported_reject")
        + r.<Long>getAs("recomputed_reject_exported_accept")).sum();
    System.out.println("acceptance audit (openpaws): audited " + gotAudited + ", disagreements " + gotDisagree);
    assertEquals(audited, gotAudited);
    assertEquals(disagree, gotDisagree);
    assertEquals(disagree, out("acceptance_disagreements").count());
  }

  private static double value(Msg m, String label) {
    if (m.labels == null || !m.labels.containsKey(label) || m.labels.get(label).isNullAt(0)) return 0;
    return m.labels.get(label).getDouble(0);
  }

  @Test
  void rankedSiblings() {
    Map<String, Integer> rankedPerParent = new HashMap<>();
    for (Msg m : msgs) if (m.rank != null && "assistant".equals(m.role)) rankedPerParent.merge(m.parent, 1, Integer::sum);
    Map<Long, Long> expected = rankedPerParent.values().stream()
        .collect(Collectors.groupingBy(Integer::longValue, TreeMap::new, Collectors.counting()));
    Map<Long, Long> got = new TreeMap<>();
    for (Row r : out("rank_siblings").collectAsList()) got.put(r.getLong(0), r.getLong(1));
    assertEquals(expected, got);
  }

  @Test
  void leaderboardTopOfTotal() {
    Map<String, long[]> t = new HashMap<>(); // prompts, asst, prompterReplies, accP, accA, accR, r0, r1, r2
    for (Msg m : msgs) {
      if (m.user == null) continue;
      long[] c = t.computeIfAbsent(m.user, k -> new long[9]);
      boolean acc = Boolean.TRUE.equals(m.reviewResult);
      int kind = m.parent == null ? 0 : "assistant".equals(m.role) ? 1 : 2;
      c[kind]++;
      if (acc) c[3 + kind]++;
      if ("assistant".equals(m.role) && m.rank != null && m.rank <= 2) c[6 + m.rank]++;
    }
    Map<String, Long> score = new HashMap<>();
    t.forEach((u, c) -> score.put(u, c[0] / 10 + 4 * c[1] + c[2] + c[3] / 10 + 4 * c[4] + c[5] + 9 * c[6] + 3 * c[7] + c[8]));
    List<String> expectedTop = score.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue()).thenComparing(Map.Entry::getKey))
        .limit(5).map(Map.Entry::getKey).toList();
    List<Row> top = out("leaderboard").filter(col("time_frame").equalTo("total")).orderBy("position").limit(5).collectAsList();
    assertEquals(expectedTop, top.stream().map(r -> r.<String>getAs("user_id")).toList());
    for (Row r : top) assertEquals(score.get(r.<String>getAs("user_id")), r.<Long>getAs("leader_score"));
    assertEquals(t.size(), out("leaderboard").filter(col("time_frame").equalTo("total")).count());
  }

  @Test
  void metadataNamesWhatTheExportCannotSupply() {
    String meta = store.readText("analysis/leaderboard.meta.json");
    for (String term : List.of("simple_labels", "full_labels", "rankings")) assertTrue(meta.contains(term), term);
    assertTrue(meta.contains("2023-"), "reference time = the latest created_date");
    assertTrue(store.outputs().containsKey("analysis/label_correlation"));
    assertTrue(store.readText("analysis/quality.meta.json").contains("\"messages\" : 1500"));
  }

  /** Under the default cut (10,000 positions) the sample's CSV copies hold every row. */
  @Test
  void perUserCsvCopiesAreWholeBelowTheCut() throws Exception {
    for (String table : List.of("contributors", "leaderboard", "trollboard")) {
      List<String> lines = Files.readAllLines(dir.resolve("out/analysis/" + table + ".csv"));
      assertEquals(out(table).count() + 1, lines.size(), table + ": header plus every row");
    }
  }

  /**
   * With a cut of 5 positions, the CSV copies of the per-user tables hold positions 1..5 of each time
   * frame, frames in order, the same rows as the Parquet tables, which keep every user.
   */
  @Test
  void perUserCsvCopiesHoldTheTopPositions() throws Exception {
    SparkSession spark = TestSpark.get();
    OutputStore cut = new OutputStore(spark, dir.resolve("cut").toString());
    cut.writeTable("tables/messages", store.read("tables/messages"));
    QualityStage.run(spark, cut, PipelineConfig.defaults().with("analysis.csv_max_position", 5));
    assertTrue(cut.readText("analysis/quality.meta.json").contains("\"max_position\" : 5"));
    for (String table : List.of("contributors", "leaderboard", "trollboard")) {
      Dataset<Row> parquet = cut.read("analysis/" + table);
      assertEquals(out(table).count(), parquet.count(), table + ": the Parquet table keeps every user");
      boolean framed = List.of(parquet.columns()).contains("time_frame");
      List<String> expected = new ArrayList<>();
      for (String frame : framed ? org.oasst.pipeline.quality.leaderboard.Leaderboard.TIME_FRAMES : List.of("")) {
        Dataset<Row> rows = framed ? parquet.filter(col("time_frame").equalTo(frame)) : parquet;
        for (Row r : rows.filter(col("position").leq(5)).orderBy("position").collectAsList())
          expected.add((framed ? frame + "," : "") + r.getAs("position") + "," + r.getAs("user_id"));
      }
      List<String> lines = Files.readAllLines(dir.resolve("cut/analysis/" + table + ".csv"));
      List<String> actual = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",", -1);
        actual.add(framed ? f[0] + "," + f[1] + "," + f[2] : f[0] + "," + f[1]);
      }
      assertTrue(expected.size() >= 5, table + ": at least one frame has 5 positions");
      assertEquals(expected, actual, table + ": positions 1..5 of each frame, in order");
    }
  }
}
