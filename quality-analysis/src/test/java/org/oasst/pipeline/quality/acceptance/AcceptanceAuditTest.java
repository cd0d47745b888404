package org.oasst.pipeline.quality.acceptance;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.quality.Msg;
import org.oasst.pipeline.quality.QualityStage;

/** The examples of reference 4.1. */
class AcceptanceAuditTest {
  static Dataset<Row> table() {
    Msg x1 = Msg.prompt("X1", "u").reviews(3, true).label("spam", 1 / 3.0, 3);
    Msg x2 = Msg.prompt("X2", "u").reviews(3, false).label("spam", 2 / 3.0, 3);
    Msg x3 = Msg.reply("X3", x1, "u").reviews(3, false).label("spam", 0.0, 3).label("lang_mismatch", 1 / 3.0, 3);
    Msg x4 = Msg.reply("X4", x1, "u").reviews(5, true).label("spam", 0.4, 5).state("growing");
    Msg x5 = Msg.prompt("X5", "u").reviews(2, null).label("spam", 1.0, 2);
    Msg x6 = Msg.prompt("X6", "u").reviews(3, null);
    return Msg.table(x1, x2, x3, x4, x5, x6);
  }

  @Test
  void recomputedAcceptance() {
    Dataset<Row> per = AcceptanceAudit.perMessage(QualityStage.project(table()), 3, 0.6);
    Map<String, String> outcome = new TreeMap<>();
    Map<String, Double> score = new TreeMap<>();
    for (Row r : per.collectAsList()) {
      outcome.put(r.getAs("message_id"), r.getAs("outcome"));
      score.put(r.getAs("message_id"), r.getAs("acceptance_score"));
    }
    assertEquals(
        Map.of("X1", "agree_accepted", "X2", "agree_rejected",
            "X3", "recomputed_accept_exported_reject", "X4", "recomputed_reject_exported_accept",
            "X6", "exported_undecided"),
        outcome, "X5 has fewer than 3 reviews; 5 reviews with 2 spam score exactly 0.6: rejected");
    assertEquals(2 / 3.0, score.get("X1"), 1e-12);
    assertEquals(1 / 3.0, score.get("X2"), 1e-12);
    assertEquals(2 / 3.0, score.get("X3"), 1e-12);
    assertEquals(0.6, score.get("X4"), 1e-12);
    assertEquals(1.0, score.get("X6"), 1e-12, "missing labels count as 0");
  }

  @Test
  void summaryByRoleAndTreeState() {
    Dataset<Row> per = AcceptanceAudit.perMessage(QualityStage.project(table()), 3, 0.6);
    List<Row> rows = AcceptanceAudit.summary(per).collectAsList();
    assertEquals(3, rows.size());
    Row prompts = AcceptanceAudit.summary(per).filter(col("role").equalTo("prompter")).first();
    assertEquals(3L, prompts.<Long>getAs("audited"));
    assertEquals(1L, prompts.<Long>getAs("agree_accepted"));
    assertEquals(1L, prompts.<Long>getAs("agree_rejected"));
    assertEquals(1L, prompts.<Long>getAs("exported_undecided"));
    assertEquals(1.0, prompts.<Double>getAs("agreement_rate"), 1e-12);
    Row growing = AcceptanceAudit.summary(per).filter(col("tree_state").equalTo("growing")).first();
    assertEquals(1L, growing.<Long>getAs("recomputed_reject_exported_accept"));
    assertEquals(0.0, growing.<Double>getAs("agreement_rate"), 1e-12);
    assertEquals(List.of("X3", "X4"),
        AcceptanceAudit.disagreements(per).orderBy("message_id").collectAsList().stream()
            .map(r -> r.<String>getAs("message_id")).toList());
  }
}
