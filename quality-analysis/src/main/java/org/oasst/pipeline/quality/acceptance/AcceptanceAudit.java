package org.oasst.pipeline.quality.acceptance;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Recomputes acceptance from the exported label means (reference 4.1) and compares it with the
 * exported review_result.
 */
public final class AcceptanceAudit {
  private AcceptanceAudit() {}

  /**
   * Exported means are rounded binary fractions; without a little slack 1 - 0.4 would be judged by
   * its last bit. Far below any difference a real review count can make (1/reviews).
   */
  static final double SLACK = 1e-9;

  public static final String AGREE_ACCEPTED = "agree_accepted";
  public static final String AGREE_REJECTED = "agree_rejected";
  public static final String RECOMPUTED_ACCEPT_EXPORTED_REJECT = "recomputed_accept_exported_reject";
  public static final String RECOMPUTED_REJECT_EXPORTED_ACCEPT = "recomputed_reject_exported_accept";
  public static final String EXPORTED_UNDECIDED = "exported_undecided";

  /**
   * The two label means the audit reads (missing = 0), taken out of the labels map when the messages
   * are projected: the cached projection then holds two doubles per message instead of the map.
   * Columns label_spam, label_lang_mismatch.
   */
  public static List<Column> labelColumns() {
    return AUDITED_LABELS.stream()
        .map(name -> coalesce(element_at(col("labels"), name).getField("value"), lit(0.0))
            .as(labelColumn(name)))
        .toList();
  }

  /** The labels whose means the acceptance score subtracts from 1, in the order of {@link #labelColumns}. */
  public static final List<String> AUDITED_LABELS = List.of("spam", "lang_mismatch");

  /** The projected column holding an audited label's mean. */
  public static String labelColumn(String label) {
    return "label_" + label;
  }

  /**
   * One row per audited message (review_count >= minReviews): message_id, role, tree_state,
   * review_count, spam, lang_mismatch (means, missing = 0), acceptance_score, recomputed_accepted,
   * review_result, outcome (one of the constants of this class). Needs message_id, role, tree_state,
   * review_count, review_result and the {@link #labelColumns}.
   */
  public static Dataset<Row> perMessage(Dataset<Row> messages, int minReviews, double threshold) {
    Column spam = col(labelColumn("spam"));
    Column langMismatch = col(labelColumn("lang_mismatch"));
    Dataset<Row> scored =
        messages
            .filter(col("review_count").geq(minReviews))
            .select(
                col("message_id"), col("role"), col("tree_state"), col("review_count"),
                spam.as("spam"), langMismatch.as("lang_mismatch"), col("review_result"))
            .withColumn("acceptance_score", lit(1.0).minus(col("spam")).minus(col("lang_mismatch")))
            .withColumn("recomputed_accepted", col("acceptance_score").gt(threshold + SLACK));
    Column outcome =
        when(col("review_result").isNull(), EXPORTED_UNDECIDED)
            .when(col("recomputed_accepted").and(col("review_result")), AGREE_ACCEPTED)
            .when(not(col("recomputed_accepted")).and(not(col("review_result"))), AGREE_REJECTED)
            .when(col("recomputed_accepted"), RECOMPUTED_ACCEPT_EXPORTED_REJECT)
            .otherwise(RECOMPUTED_REJECT_EXPORTED_ACCEPT);
    return scored.withColumn("outcome", outcome);
  }

  /**
   * Counts by role and tree state: audited, agreements, both kinds of disagreement, undecided.
   * At most (#roles x #tree states) rows, so they are collected and ordered on the driver, which
   * spares the sampling job a distributed sort needs.
   */
  public static Dataset<Row> summary(Dataset<Row> perMessage) {
    Dataset<Row> counts = summaryUnordered(perMessage);
    List<Row> rows = new ArrayList<>(counts.collectAsList());
    Comparator<String> nullsFirst = Comparator.nullsFirst(Comparator.naturalOrder());
    rows.sort(Comparator.comparing((Row r) -> r.getString(0), nullsFirst)
        .thenComparing(r -> r.getString(1), nullsFirst));
    return perMessage.sparkSession().createDataFrame(rows, counts.schema());
  }

  private static Dataset<Row> summaryUnordered(Dataset<Row> perMessage) {
    return perMessage
        .groupBy(col("role"), col("tree_state"))
        .agg(
            count(lit(1)).as("audited"),
            countOf(AGREE_ACCEPTED),
            countOf(AGREE_REJECTED),
            countOf(RECOMPUTED_ACCEPT_EXPORTED_REJECT),
            countOf(RECOMPUTED_REJECT_EXPORTED_ACCEPT),
            countOf(EXPORTED_UNDECIDED))
        .withColumn("agreement_rate",
            col(AGREE_ACCEPTED).plus(col(AGREE_REJECTED)).cast("double")
                .divide(col("audited").minus(col(EXPORTED_UNDECIDED))));
  }

  private static Column countOf(String outcome) {
    return sum(when(col("outcome").equalTo(outcome), 1L).otherwise(0L)).as(outcome);
  }

  /** Only the messages whose recomputed acceptance differs from the exported decision. */
  public static Dataset<Row> disagreements(Dataset<Row> perMessage) {
    return perMessage.filter(
        col("outcome").isin(RECOMPUTED_ACCEPT_EXPORTED_REJECT, RECOMPUTED_REJECT_EXPORTED_ACCEPT));
  }
}
