package org.oasst.pipeline.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.quality.contributors.ContributorStats;
import org.oasst.pipeline.quality.languages.LanguageStats;
import org.oasst.pipeline.quality.ranking.RankStats;

/** The en_100 sample has no user ids, dates or labels: the analyses must say so, not invent. */
class En100SampleTest {
  static Dataset<Row> m;
  static List<Msg> msgs;

  @BeforeAll
  static void load() {
    // Built from the Jackson parse (the reader is exercised by the OpenPaws stage test).
    msgs = RealSample.load(TestSpark.realSample(TestSpark.EN_100));
    m = QualityStage.project(RealSample.table(msgs)).cache();
  }

  @AfterAll
  static void release() {
    m.unpersist();
  }

  @Test
  void languagesAndNoUsers() {
    Row en = LanguageStats.languages(m, 10).first();
    assertEquals("en", en.getString(1));
    assertEquals(1167L, en.getLong(3));
    assertEquals(100L, en.getLong(9));
    // Every message is anonymous: no user rows (the summary's handling is in ContributorStatsTest).
    Row anon = ContributorStats.perUserAndLanguage(m).first();
    assertNull(anon.getAs("user_id"));
    assertEquals(1167L, anon.<Long>getAs("total"));
  }

  @Test
  void rankedSiblings() {
    Map<String, Integer> perParent = new HashMap<>();
    for (Msg x : msgs) if (x.rank != null && "assistant".equals(x.role)) perParent.merge(x.parent, 1, Integer::sum);
    Map<Long, Long> expected = perParent.values().stream()
        .collect(Collectors.groupingBy(Integer::longValue, TreeMap::new, Collectors.counting()));
    Map<Long, Long> got = new TreeMap<>();
    for (Row r : RankStats.siblingDistribution(RankStats.perParent(m)).collectAsList()) got.put(r.getLong(0), r.getLong(1));
    assertEquals(expected, got);
  }
}
