package org.oasst.pipeline.quality.contributors;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The three contributor tables from the per-(user, language) counts. Same content and column types
 * as {@link ContributorStats#contributors}, {@link ContributorStats#summary} and
 * {@link ContributorStats#lorenz} (the Spark formulation, kept as the reference), without their
 * window functions over every (scope, kind, user) and their join. The contributors table stays in
 * Spark (one row per user: too many for the driver at scale); the summary and the Lorenz points
 * depend only on how many users made how many contributions, so they come from that frequency
 * table, which is small (one row per distinct count per scope and kind), on the driver.
 */
public final class ContributorTables {
  private ContributorTables() {}

  public static final StructType CONTRIBUTORS_SCHEMA =
      new StructType()
          .add("position", DataTypes.IntegerType, false)
          .add("user_id", DataTypes.StringType, true)
          .add("total", DataTypes.LongType, true)
          .add("share", DataTypes.DoubleType, true)
          .add("prompts", DataTypes.LongType, true)
          .add("assistant_replies", DataTypes.LongType, true)
          .add("prompter_replies", DataTypes.LongType, true);

  public static final StructType SUMMARY_SCHEMA =
      new StructType()
          .add("scope", DataTypes.StringType, true)
          .add("lang", DataTypes.StringType, true)
          .add("kind", DataTypes.StringType, true)
          .add("users", DataTypes.LongType, false)
          .add("contributions", DataTypes.LongType, false)
          .add("gini", DataTypes.DoubleType, true)
          .add("top1_share", DataTypes.DoubleType, true)
          .add("top5_share", DataTypes.DoubleType, true)
          .add("top10_share", DataTypes.DoubleType, true)
          .add("users_for_half", DataTypes.IntegerType, true)
          .add("max_user_contributions", DataTypes.LongType, true)
          .add("anonymous_contributions", DataTypes.LongType, false);

  public static final StructType LORENZ_SCHEMA =
      new StructType()
          .add("scope", DataTypes.StringType, true)
          .add("lang", DataTypes.StringType, true)
          .add("kind", DataTypes.StringType, true)
          .add("users_counted", DataTypes.LongType, true)
          .add("user_fraction", DataTypes.DoubleType, true)
          .add("contribution_fraction", DataTypes.DoubleType, true);

  /** contributors (a Spark plan), contributor_summary and contributor_lorenz (rows). */
  public record Tables(Dataset<Row> contributors, List<Row> summary, List<Row> lorenz) {
    public Dataset<Row> contributors(SparkSession spark) {
      return contributors;
    }

    public Dataset<Row> summary(SparkSession spark) {
      return spark.createDataFrame(summary, SUMMARY_SCHEMA);
    }

    public Dataset<Row> lorenz(SparkSession spark) {
      return spark.createDataFrame(lorenz, LORENZ_SCHEMA);
    }
  }

  /**
   * From {@link ContributorStats#perUserAndLanguage} (used twice: callers should cache it). Runs one
   * Spark job (the frequency table); the contributors table is a plan for the caller to write.
   */
  public static Tables compute(Dataset<Row> perUserAndLanguage, int lorenzPoints) {
    if (lorenzPoints < 1)
      throw new IllegalArgumentException("analysis.contributors.lorenz_points must be >= 1");
    // Null user ids form one group here: the anonymous contributions, all languages together.
    Dataset<Row> perUser =
        perUserAndLanguage
            .groupBy("user_id")
            .agg(sum("total").as("total"), sum("prompts").as("prompts"),
                sum("assistant_replies").as("assistant_replies"),
                sum("prompter_replies").as("prompter_replies"));
    List<Row> freq = frequencies(perUser, perUserAndLanguage).collectAsList();
    Summary s = fromFrequencies(freq, lorenzPoints);
    return new Tables(contributors(perUser.filter(col("user_id").isNotNull()), s.attributed()),
        s.summary(), s.lorenz());
  }

  /**
   * Per (anonymous, scope, lang, kind, contributions): the number of users with exactly that many
   * contributions of that kind (for the anonymous rows: 1, the group of messages without user id).
   * Zero counts are left out, as users without a contribution of a kind are not ranked for it.
   */
  static Dataset<Row> frequencies(Dataset<Row> perUser, Dataset<Row> perUserAndLanguage) {
    Column[] common = {
      col("user_id"), col("total"), col("prompts"), col("assistant_replies"), col("prompter_replies")
    };
    Dataset<Row> scoped =
        perUser.select(common).withColumn("scope", lit(ContributorStats.SCOPE_ALL))
            .withColumn("lang", lit(null).cast("string"))
            .unionByName(perUserAndLanguage.select(common[0], col("lang"), common[1], common[2],
                    common[3], common[4])
                .withColumn("scope", lit(ContributorStats.SCOPE_LANGUAGE)));
    List<Column> kinds = new ArrayList<>();
    for (String k : ContributorStats.KINDS) kinds.add(struct(lit(k).as("kind"), col(k).as("c")));
    return scoped
        .select(col("user_id").isNull().as("anonymous"), col("scope"), col("lang"),
            explode(array(kinds.toArray(Column[]::new))).as("k"))
        .filter(col("k.c").gt(0))
        .groupBy(col("anonymous"), col("scope"), col("lang"), col("k.kind").as("kind"),
            col("k.c").as("contributions"))
        .agg(count(lit(1)).as("users"));
  }

  /**
   * One row per known user, most contributions first (ties: user id), with the share of all
   * attributed contributions. A single ordered window: one partition, but one row per user.
   */
  static Dataset<Row> contributors(Dataset<Row> knownPerUser, long attributed) {
    WindowSpec byTotal = Window.orderBy(col("total").desc(), col("user_id"));
    return knownPerUser
        .select(row_number().over(byTotal).as("position"), col("user_id"), col("total"),
            col("total").cast("double").divide(lit((double) attributed)).as("share"),
            col("prompts"), col("assistant_replies"), col("prompter_replies"));
  }

  /** Summary rows, Lorenz rows, and the contributions of all known users (the shares' base). */
  record Summary(List<Row> summary, List<Row> lorenz, long attributed) {}

  /** One count value of a group: {@code users} users made {@code contributions} each. */
  private record Level(long contributions, long users) {}

  /** The summary and Lorenz rows from {@link #frequencies} rows (any order). */
  static Summary fromFrequencies(List<Row> freq, int points) {
    Comparator<String> nullsFirst = Comparator.nullsFirst(Comparator.naturalOrder());
    // (scope, lang) -> kind index -> levels; scope "all" sorts first, its lang is null.
    Map<List<String>, List<List<Level>>> groups = new TreeMap<>(
        Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1), nullsFirst));
    Map<List<String>, long[]> anonymous = new HashMap<>();
    for (Row r : freq) {
      List<String> key = Arrays.asList(r.<String>getAs("scope"), r.<String>getAs("lang"));
      int kind = ContributorStats.KINDS.indexOf(r.<String>getAs("kind"));
      long c = r.<Long>getAs("contributions");
      long users = r.<Long>getAs("users");
      List<List<Level>> perKind = groups.computeIfAbsent(key, k -> {
        List<List<Level>> l = new ArrayList<>();
        for (int i = 0; i < ContributorStats.KINDS.size(); i++) l.add(new ArrayList<>());
        return l;
      });
      if (r.<Boolean>getAs("anonymous"))
        anonymous.computeIfAbsent(key, k -> new long[ContributorStats.KINDS.size()])[kind] += c * users;
      else perKind.get(kind).add(new Level(c, users));
    }
    List<Row> summary = new ArrayList<>();
    List<Row> lorenz = new ArrayList<>();
    long attributed = 0;
    for (Map.Entry<List<String>, List<List<Level>>> g : groups.entrySet()) {
      String scope = g.getKey().get(0), lang = g.getKey().get(1);
      long[] anon = anonymous.get(g.getKey());
      for (int kind = 0; kind < ContributorStats.KINDS.size(); kind++) {
        List<Level> levels = g.getValue().get(kind);
        levels.sort(Comparator.comparingLong(Level::contributions).reversed());
        long total = groupRows(scope, lang, kind, levels, anon == null ? 0 : anon[kind], points,
            summary, lorenz);
        if (kind == 0 && ContributorStats.SCOPE_ALL.equals(scope)) attributed = total;
      }
    }
    return new Summary(summary, lorenz, attributed);
  }

  /**
   * Summary row and Lorenz points of one scope and kind, formulas as in ContributorStats. Users are
   * taken in descending order; those with the same count form one level, and a level's sums are
   * closed forms over its positions (which user holds which position does not change any figure).
   * Returns the group's contributions.
   */
  private static long groupRows(
      String scope, String lang, int kind, List<Level> descending, long anon, int points,
      List<Row> summary, List<Row> lorenz) {
    String kindName = ContributorStats.KINDS.get(kind);
    long n = 0, total = 0;
    for (Level l : descending) {
      n += l.users();
      total += l.contributions() * l.users();
    }
    if (n == 0) {
      if (anon > 0)
        summary.add(RowFactory.create(scope, lang, kindName, 0L, 0L, null, null, null, null,
            null, null, anon));
      return 0;
    }
    long cut1 = (long) Math.ceil(n * 0.01), cut5 = (long) Math.ceil(n * 0.05);
    long cut10 = (long) Math.ceil(n * 0.10);
    long weighted = 0, running = 0, top1 = 0, top5 = 0, top10 = 0, before = 0;
    Integer forHalf = null;
    for (Level l : descending) {
      long x = l.contributions(), m = l.users();
      // Positions before+1 .. before+m; ascending position = n - position + 1.
      long ascendingSum = m * (n + 1) - (m * before + m * (m + 1) / 2);
      weighted += x * ascendingSum;
      top1 += x * Math.max(0, Math.min(m, cut1 - before));
      top5 += x * Math.max(0, Math.min(m, cut5 - before));
      top10 += x * Math.max(0, Math.min(m, cut10 - before));
      if (forHalf == null && (running + m * x) * 2 >= total) {
        // The first j in 1..m with (running + j*x)*2 >= total.
        long need = total - 2 * running;
        long j = Math.max(1, (need + 2 * x - 1) / (2 * x));
        forHalf = (int) (before + j);
      }
      for (long p = before + 1; p <= before + m; p++) {
        running += x;
        long ascending = n - p + 1;
        boolean keep =
            Math.floor((double) (ascending * points) / (double) n)
                != Math.floor((double) ((ascending - 1) * points) / (double) n);
        if (keep)
          lorenz.add(RowFactory.create(scope, lang, kindName, ascending,
              (double) ascending / (double) n, (double) (total - running + x) / (double) total));
      }
      before += m;
    }
    double nd = n, td = total;
    double gini = (double) (weighted * 2) / (nd * td) - (nd + 1) / nd;
    summary.add(RowFactory.create(scope, lang, kindName, n, total, gini, top1 / td, top5 / td,
        top10 / td, forHalf, descending.get(0).contributions(), anon));
    return total;
  }
}
