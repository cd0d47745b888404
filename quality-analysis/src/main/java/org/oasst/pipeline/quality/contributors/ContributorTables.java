package org.oasst.pipeline.quality.contributors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The three contributor tables computed on the driver from the per-(user, language) counts, which
 * hold at most one row per user and language. Same content and column types as
 * {@link ContributorStats#contributors}, {@link ContributorStats#summary} and
 * {@link ContributorStats#lorenz} (the Spark formulation, kept as the reference), without the
 * window functions, the join and the dozen Spark jobs those need.
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

  /** The three tables as rows: contributors, contributor_summary, contributor_lorenz. */
  public record Tables(List<Row> contributors, List<Row> summary, List<Row> lorenz) {
    public Dataset<Row> contributors(SparkSession spark) {
      return spark.createDataFrame(contributors, CONTRIBUTORS_SCHEMA);
    }

    public Dataset<Row> summary(SparkSession spark) {
      return spark.createDataFrame(summary, SUMMARY_SCHEMA);
    }

    public Dataset<Row> lorenz(SparkSession spark) {
      return spark.createDataFrame(lorenz, LORENZ_SCHEMA);
    }
  }

  /** Per-kind counts {total, prompts, assistant_replies, prompter_replies}, as in KINDS. */
  private record Counts(String user, long[] c) {}

  /** Collects {@link ContributorStats#perUserAndLanguage} (one row per user and language). */
  public static Tables compute(Dataset<Row> perUserAndLanguage, int lorenzPoints) {
    return compute(perUserAndLanguage.collectAsList(), lorenzPoints);
  }

  public static Tables compute(List<Row> perUserAndLanguage, int lorenzPoints) {
    if (lorenzPoints < 1)
      throw new IllegalArgumentException("analysis.contributors.lorenz_points must be >= 1");
    Map<String, long[]> perUser = new TreeMap<>();
    Map<String, List<Counts>> perLang = new TreeMap<>();
    long[] anonAll = null;
    Map<String, long[]> anonByLang = new TreeMap<>();
    for (Row r : perUserAndLanguage) {
      String user = r.getAs("user_id");
      String lang = r.getAs("lang");
      long[] c = {
        r.<Long>getAs("total"), r.<Long>getAs("prompts"), r.<Long>getAs("assistant_replies"),
        r.<Long>getAs("prompter_replies")
      };
      if (user == null) {
        if (anonAll == null) anonAll = new long[4];
        add(anonAll, c);
        add(anonByLang.computeIfAbsent(lang, k -> new long[4]), c);
      } else {
        add(perUser.computeIfAbsent(user, k -> new long[4]), c);
        perLang.computeIfAbsent(lang, k -> new ArrayList<>()).add(new Counts(user, c));
      }
    }

    List<Counts> users = new ArrayList<>();
    perUser.forEach((u, c) -> users.add(new Counts(u, c)));
    List<Row> contributors = contributorRows(users);

    List<Row> summary = new ArrayList<>();
    List<Row> lorenz = new ArrayList<>();
    groupRows(ContributorStats.SCOPE_ALL, null, users, anonAll, lorenzPoints, summary, lorenz);
    java.util.Set<String> langs = new java.util.TreeSet<>(perLang.keySet());
    langs.addAll(anonByLang.keySet());
    for (String lang : langs)
      groupRows(ContributorStats.SCOPE_LANGUAGE, lang, perLang.getOrDefault(lang, List.of()),
          anonByLang.get(lang), lorenzPoints, summary, lorenz);
    return new Tables(contributors, summary, lorenz);
  }

  private static void add(long[] into, long[] c) {
    for (int k = 0; k < 4; k++) into[k] += c[k];
  }

  private static List<Row> contributorRows(List<Counts> users) {
    List<Counts> sorted = new ArrayList<>(users);
    sorted.sort(byContributionThenUser(0));
    long all = 0;
    for (Counts u : sorted) all += u.c()[0];
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      long[] c = sorted.get(i).c();
      out.add(RowFactory.create(i + 1, sorted.get(i).user(), c[0], (double) c[0] / (double) all,
          c[1], c[2], c[3]));
    }
    return out;
  }

  private static Comparator<Counts> byContributionThenUser(int kind) {
    return Comparator.comparingLong((Counts u) -> -u.c()[kind]).thenComparing(Counts::user);
  }

  /** Summary row and Lorenz points of one scope for every kind; formulas as in ContributorStats. */
  private static void groupRows(
      String scope, String lang, List<Counts> members, long[] anonymous, int points,
      List<Row> summary, List<Row> lorenz) {
    for (int kind = 0; kind < ContributorStats.KINDS.size(); kind++) {
      String kindName = ContributorStats.KINDS.get(kind);
      final int k = kind;
      List<Counts> ranked =
          new ArrayList<>(members.stream().filter(u -> u.c()[k] > 0).toList());
      ranked.sort(byContributionThenUser(kind));
      long anon = anonymous == null ? 0 : anonymous[kind];
      long n = ranked.size();
      if (n == 0) {
        if (anon > 0)
          summary.add(RowFactory.create(scope, lang, kindName, 0L, 0L, null, null, null, null,
              null, null, anon));
        continue;
      }
      long total = 0;
      for (Counts u : ranked) total += u.c()[kind];
      long weighted = 0, running = 0, top1 = 0, top5 = 0, top10 = 0;
      Integer forHalf = null;
      double cut1 = Math.ceil(n * 0.01), cut5 = Math.ceil(n * 0.05), cut10 = Math.ceil(n * 0.10);
      for (int i = 0; i < n; i++) {
        int position = i + 1;
        long x = ranked.get(i).c()[kind];
        running += x;
        long ascending = n - position + 1;
        weighted += ascending * x;
        if (position <= cut1) top1 += x;
        if (position <= cut5) top5 += x;
        if (position <= cut10) top10 += x;
        if (forHalf == null && running * 2 >= total) forHalf = position;
        // Sum of the `ascending` smallest = total - sum of the (position - 1) largest.
        boolean keep =
            Math.floor((double) (ascending * points) / (double) n)
                != Math.floor((double) ((ascending - 1) * points) / (double) n);
        if (keep)
          lorenz.add(RowFactory.create(scope, lang, kindName, ascending,
              (double) ascending / (double) n, (double) (total - running + x) / (double) total));
      }
      double nd = n, td = total;
      double gini = (double) (weighted * 2) / (nd * td) - (nd + 1) / nd;
      summary.add(RowFactory.create(scope, lang, kindName, n, total, gini, top1 / td, top5 / td,
          top10 / td, forHalf, ranked.get(0).c()[kind], anon));
    }
  }
}
