package org.oasst.pipeline.quality.contributors;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.oasst.pipeline.core.schema.Tables;
import org.oasst.pipeline.quality.languages.LanguageStats;

/**
 * Paper Figure 2 (right): how contributions are spread over users. Contributions are the messages a
 * user wrote, by kind: initial prompts, assistant replies, prompter replies (the exports do not say
 * who labelled or ranked; see {@link #UNAVAILABLE_KINDS}). Messages without a user id are never
 * treated as one user: they are counted apart, in the {@code anonymous_contributions} column.
 */
public final class ContributorStats {
  private ContributorStats() {}

  public static final List<String> KINDS =
      List.of("total", "prompts", "assistant_replies", "prompter_replies");

  /** Contribution kinds the platform counts but an export cannot attribute to users. */
  public static final List<String> UNAVAILABLE_KINDS = List.of("labels", "rankings");

  public static final String SCOPE_ALL = "all";
  public static final String SCOPE_LANGUAGE = "language";

  /**
   * Per user and language: prompts, assistant_replies, prompter_replies, total. user_id may be null
   * (the anonymous group). Needs columns user_id, lang, role, parent_id.
   */
  public static Dataset<Row> perUserAndLanguage(Dataset<Row> messages) {
    Column isPrompt = col("parent_id").isNull();
    Column isAssistant = col("role").equalTo(Tables.ASSISTANT);
    return messages
        .select(
            col("user_id"),
            coalesce(col("lang"), lit(LanguageStats.UNKNOWN_LANG)).as("lang"),
            when(isPrompt, 1L).otherwise(0L).as("p"),
            when(isAssistant.and(not(isPrompt)), 1L).otherwise(0L).as("a"),
            when(not(isAssistant).and(not(isPrompt)), 1L).otherwise(0L).as("r"))
        .groupBy("user_id", "lang")
        .agg(
            sum("p").as("prompts"),
            sum("a").as("assistant_replies"),
            sum("r").as("prompter_replies"),
            count(lit(1)).as("total"));
  }

  /**
   * One row per known user (all languages together), most contributions first: position, user_id,
   * total, prompts, assistant_replies, prompter_replies, share of all attributed contributions.
   */
  public static Dataset<Row> contributors(Dataset<Row> perUserAndLanguage) {
    Dataset<Row> perUser =
        perUserAndLanguage
            .filter(col("user_id").isNotNull())
            .groupBy("user_id")
            .agg(
                sum("total").as("total"),
                sum("prompts").as("prompts"),
                sum("assistant_replies").as("assistant_replies"),
                sum("prompter_replies").as("prompter_replies"));
    // A single ordered window over all users: one partition, but only one row per user.
    WindowSpec byTotal = Window.orderBy(col("total").desc(), col("user_id"));
    WindowSpec all = Window.partitionBy(lit(1));
    return perUser
        .withColumn("position", row_number().over(byTotal))
        .withColumn("share", col("total").divide(sum("total").over(all)))
        .select("position", "user_id", "total", "share", "prompts", "assistant_replies",
            "prompter_replies");
  }

  /**
   * The ranked long form: for each scope (all / one language) and kind, every known user with at
   * least one contribution of that kind, with position (1 = most, ties by user id), users n, total,
   * and the running sum from the top.
   */
  public static Dataset<Row> ranked(Dataset<Row> perUserAndLanguage) {
    Dataset<Row> known = perUserAndLanguage.filter(col("user_id").isNotNull());
    Dataset<Row> allLangs =
        known
            .groupBy("user_id")
            .agg(
                sum("total").as("total"),
                sum("prompts").as("prompts"),
                sum("assistant_replies").as("assistant_replies"),
                sum("prompter_replies").as("prompter_replies"))
            .withColumn("scope", lit(SCOPE_ALL))
            .withColumn("lang", lit(null).cast("string"));
    Dataset<Row> byLang = known.withColumn("scope", lit(SCOPE_LANGUAGE));
    Dataset<Row> both =
        allLangs.select(scopeColumns()).unionByName(byLang.select(scopeColumns()));
    List<Column> kinds = new ArrayList<>();
    for (String k : KINDS) kinds.add(struct(lit(k).as("kind"), col(k).as("contributions")));
    Dataset<Row> longForm =
        both.select(col("scope"), col("lang"), col("user_id"), explode(array(kinds.toArray(Column[]::new))).as("k"))
            .select(col("scope"), col("lang"), col("user_id"), col("k.kind").as("kind"),
                col("k.contributions").as("contributions"))
            .filter(col("contributions").gt(0));
    WindowSpec group = Window.partitionBy("scope", "lang", "kind");
    WindowSpec ordered = group.orderBy(col("contributions").desc(), col("user_id"));
    return longForm
        .withColumn("position", row_number().over(ordered))
        .withColumn("running", sum("contributions").over(ordered.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
        .withColumn("users", count(lit(1)).over(group))
        .withColumn("group_total", sum("contributions").over(group));
  }

  private static Column[] scopeColumns() {
    return new Column[] {
      col("scope"), col("lang"), col("user_id"), col("total"), col("prompts"),
      col("assistant_replies"), col("prompter_replies")
    };
  }

  /**
   * One row per scope and kind: users, contributions, Gini coefficient, the shares of the top 1%,
   * 5% and 10% of users (ceil of the fraction, so at least one user), how many users make up half of
   * the contributions, the largest single user's count, and the contributions without a user id.
   */
  public static Dataset<Row> summary(Dataset<Row> ranked, Dataset<Row> perUserAndLanguage) {
    // Ascending position i = n - position + 1; Gini = 2*sum(i*x)/(n*sum x) - (n+1)/n.
    Column ascending = col("users").minus(col("position")).plus(1);
    Dataset<Row> stats =
        ranked
            .groupBy("scope", "lang", "kind")
            .agg(
                max("users").as("users"),
                max("group_total").as("contributions"),
                sum(ascending.multiply(col("contributions"))).as("weighted"),
                topShareSum(0.01).as("top1"),
                topShareSum(0.05).as("top5"),
                topShareSum(0.10).as("top10"),
                min(when(col("running").multiply(2).geq(col("group_total")), col("position")))
                    .as("users_for_half"),
                max("contributions").as("max_user_contributions"));
    Column n = col("users").cast("double");
    Column total = col("contributions").cast("double");
    Dataset<Row> withGini =
        stats.select(
            col("scope"), col("lang"), col("kind"), col("users"), col("contributions"),
            col("weighted").multiply(2).divide(n.multiply(total)).minus(n.plus(1).divide(n)).as("gini"),
            col("top1").divide(total).as("top1_share"),
            col("top5").divide(total).as("top5_share"),
            col("top10").divide(total).as("top10_share"),
            col("users_for_half"),
            col("max_user_contributions"));
    Dataset<Row> anonymous = anonymousContributions(perUserAndLanguage);
    return withGini
        .join(anonymous, withGini.col("scope").equalTo(anonymous.col("a_scope"))
            .and(withGini.col("lang").eqNullSafe(anonymous.col("a_lang")))
            .and(withGini.col("kind").equalTo(anonymous.col("a_kind"))), "full_outer")
        .select(
            coalesce(col("scope"), col("a_scope")).as("scope"),
            coalesce(col("lang"), col("a_lang")).as("lang"),
            coalesce(col("kind"), col("a_kind")).as("kind"),
            coalesce(col("users"), lit(0L)).as("users"),
            coalesce(col("contributions"), lit(0L)).as("contributions"),
            col("gini"), col("top1_share"), col("top5_share"), col("top10_share"),
            col("users_for_half"), col("max_user_contributions"),
            coalesce(col("anonymous_contributions"), lit(0L)).as("anonymous_contributions"));
  }

  private static Column topShareSum(double fraction) {
    Column cutoff = ceil(col("users").multiply(fraction));
    return sum(when(col("position").leq(cutoff), col("contributions")).otherwise(0L));
  }

  private static Dataset<Row> anonymousContributions(Dataset<Row> perUserAndLanguage) {
    Dataset<Row> anon = perUserAndLanguage.filter(col("user_id").isNull());
    Dataset<Row> scoped =
        anon.groupBy()
            .agg(sum("total").as("total"), sum("prompts").as("prompts"),
                sum("assistant_replies").as("assistant_replies"),
                sum("prompter_replies").as("prompter_replies"))
            .filter(col("total").isNotNull())
            .withColumn("a_scope", lit(SCOPE_ALL))
            .withColumn("a_lang", lit(null).cast("string"))
            .select(anonColumns())
            .unionByName(
                anon.withColumn("a_scope", lit(SCOPE_LANGUAGE)).withColumn("a_lang", col("lang"))
                    .select(anonColumns()));
    List<Column> kinds = new ArrayList<>();
    for (String k : KINDS) kinds.add(struct(lit(k).as("kind"), col(k).as("c")));
    return scoped
        .select(col("a_scope"), col("a_lang"), explode(array(kinds.toArray(Column[]::new))).as("k"))
        .select(col("a_scope"), col("a_lang"), col("k.kind").as("a_kind"),
            col("k.c").as("anonymous_contributions"))
        .filter(col("anonymous_contributions").gt(0));
  }

  private static Column[] anonColumns() {
    return new Column[] {
      col("a_scope"), col("a_lang"), col("total"), col("prompts"), col("assistant_replies"),
      col("prompter_replies")
    };
  }

  /**
   * Lorenz curve points per scope and kind, users ordered from fewest to most contributions:
   * user_fraction = i/n, contribution_fraction = share of the i smallest contributors. At most
   * {@code points} points per curve (plus the last, (1,1)); the curve implicitly starts at (0,0).
   */
  public static Dataset<Row> lorenz(Dataset<Row> ranked, int points) {
    if (points < 1) throw new IllegalArgumentException("analysis.contributors.lorenz_points must be >= 1");
    Column i = col("users").minus(col("position")).plus(1);
    // Sum of the i smallest = total - sum of the (position - 1) largest = total - running + x.
    Column smallest = col("group_total").minus(col("running")).plus(col("contributions"));
    Column k = lit((long) points);
    Column keep = floor(i.multiply(k).divide(col("users")))
        .notEqual(floor(i.minus(1).multiply(k).divide(col("users"))));
    return ranked
        .filter(keep)
        .select(
            col("scope"), col("lang"), col("kind"), i.as("users_counted"),
            i.cast("double").divide(col("users")).as("user_fraction"),
            smallest.cast("double").divide(col("group_total")).as("contribution_fraction"));
  }
}
