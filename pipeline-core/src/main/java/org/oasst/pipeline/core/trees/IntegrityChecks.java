package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The integrity findings of a set of annotated messages ({@link TreeAssembly#annotate}): one row per
 * finding with its {@code kind}, the {@code message_id} it concerns (for rank kinds, the parent whose
 * replies are ranked), the message's {@code tree_id} and a readable {@code detail}.
 */
public final class IntegrityChecks {
  private IntegrityChecks() {}

  public static final StructType SCHEMA =
      new StructType()
          .add("kind", DataTypes.StringType, false)
          .add("message_id", DataTypes.StringType, true)
          .add("tree_id", DataTypes.StringType, true)
          .add("detail", DataTypes.StringType, true);

  public static final String ORPHAN = "orphan";
  public static final String CYCLE = "cycle";
  public static final String ROLE_NOT_ALTERNATING = "role_not_alternating";
  public static final String TREE_ID_MISMATCH = "tree_id_mismatch";
  public static final String MULTIPLE_ROOTS = "multiple_roots";
  public static final String DELETED_ANCESTOR = "deleted_ancestor";
  public static final String RANK_DUPLICATE = "rank_duplicate";
  public static final String RANK_GAP = "rank_gap";
  public static final String RANK_ON_PROMPTER = "rank_on_prompter";
  public static final String REVIEW_RESULT_MISMATCH = "review_result_mismatch";
  public static final String CREATED_BEFORE_PARENT = "created_before_parent";

  public static final List<String> KINDS =
      List.of(
          ORPHAN,
          CYCLE,
          ROLE_NOT_ALTERNATING,
          TREE_ID_MISMATCH,
          MULTIPLE_ROOTS,
          DELETED_ANCESTOR,
          RANK_DUPLICATE,
          RANK_GAP,
          RANK_ON_PROMPTER,
          REVIEW_RESULT_MISMATCH,
          CREATED_BEFORE_PARENT);

  /** Kinds that break the tree shape itself; a well-formed export has none of them. */
  public static final Set<String> STRUCTURAL =
      Set.of(ORPHAN, CYCLE, ROLE_NOT_ALTERNATING, TREE_ID_MISMATCH, MULTIPLE_ROOTS);

  /**
   * The acceptance rule of the platform (reference 4.1), recomputed from the exported label means.
   *
   * @param minReviews reviews needed before a decision (3)
   * @param acceptanceThreshold the score must be strictly greater (0.6)
   */
  public record Options(int minReviews, double acceptanceThreshold) {
    public static Options defaults() {
      return new Options(3, 0.6);
    }
  }

  public static Dataset<Row> findings(Dataset<Row> annotated) {
    return findings(annotated, Options.defaults());
  }

  public static Dataset<Row> findings(Dataset<Row> annotated, Options options) {
    Dataset<Row> m =
        annotated.select(
            col("message_id"), col("parent_id"), col("message_tree_id"), col("tree_id"), col("root_id"),
            col("role"), col("rank"), col("deleted"), col("created_date"), col("review_count"),
            col("review_result"), col("labels").getItem("spam").getField("value").as("spam_mean"),
            col("labels").getItem("lang_mismatch").getField("value").as("lang_mismatch_mean"),
            col("structure_status"), col("nearest_deleted_ancestor"), col("on_cycle"), col("cycle_id"),
            col("cycle_length"));

    // per-message kinds in one pass over the messages (with their parent's and orphan subtree's data)
    Dataset<Row> parents =
        m.select(
            col("message_id").as("p_message_id"),
            col("role").as("p_role"),
            col("created_date").as("p_created_date"));
    Dataset<Row> orphanSizes =
        m.filter(col("structure_status").equalTo(TreeAssembly.ORPHANED))
            .groupBy(col("root_id").as("o_top"))
            .agg(count(lit(1)).as("o_size"));
    Dataset<Row> wide =
        m.join(parents, col("parent_id").equalTo(col("p_message_id")), "left")
            .join(orphanSizes, col("message_id").equalTo(col("o_top")), "left");

    Dataset<Row> roots = m.filter(col("parent_id").isNull().and(col("message_tree_id").isNotNull()));
    Dataset<Row> claims =
        roots.groupBy(col("message_tree_id").as("claim"))
            .agg(count(lit(1)).as("n_roots"))
            .filter(col("n_roots").gt(1));

    Dataset<Row> rankedSiblings =
        m.filter(
                col("role").equalTo(Tables.ASSISTANT)
                    .and(col("rank").isNotNull())
                    .and(col("parent_id").isNotNull()))
            .groupBy(col("parent_id").as("message_id"))
            .agg(
                first("tree_id").as("tree_id"),
                count(col("rank")).as("n_ranked"),
                countDistinct(col("rank")).as("n_distinct_ranks"),
                min("rank").as("lowest_rank"),
                max("rank").as("highest_rank"),
                array_join(sort_array(collect_list(col("rank"))).cast("array<string>"), ", ").as("ranks"));

    return perMessageFindings(wide, options)
        .unionByName(
            multipleRootFindings(
                roots.join(claims, col("message_tree_id").equalTo(col("claim"))).select("message_id", "claim", "n_roots")))
        .unionByName(rankFindings(rankedSiblings));
  }

  /**
   * The findings of trees assembled one by one ({@link PerTreeStructure}): the same checks, on rows
   * that already carry every ingredient (the parent's role and age, the roots claiming the tree id,
   * the ranks of the replies), so no join is needed. Applies only when every chain stayed inside its
   * claimed tree: then there are no orphans and no cycles.
   */
  static Dataset<Row> findingsWithinTrees(Dataset<Row> walked, Options options) {
    Dataset<Row> wide =
        walked
            .withColumn("o_top", lit(null).cast(DataTypes.StringType))
            .withColumn("o_size", lit(null).cast(DataTypes.LongType));
    return perMessageFindings(wide, options)
        .unionByName(
            multipleRootFindings(
                walked
                    .filter(col("n_roots").gt(1))
                    .select(col("message_id"), col("message_tree_id").as("claim"), col("n_roots"))))
        .unionByName(
            rankFindings(
                walked
                    .filter(col("n_ranked").isNotNull())
                    .select("message_id", "tree_id", "n_ranked", "n_distinct_ranks", "lowest_rank",
                        "highest_rank", "ranks")));
  }

  /**
   * The kinds one message's row decides, given its structure columns, its parent's role and
   * creation time ({@code p_role}, {@code p_created_date}), and for the top of an orphaned subtree
   * its size ({@code o_top}, {@code o_size}).
   */
  private static Dataset<Row> perMessageFindings(Dataset<Row> wide, Options options) {
    Column spam = col("spam_mean");
    Column langMismatch = col("lang_mismatch_mean");
    Column score = lit(1.0).minus(coalesce(spam, lit(0.0)).plus(coalesce(langMismatch, lit(0.0))));
    // label means such as 2/5 make the score land on the threshold up to rounding; equal rejects
    Column accepted = score.gt(options.acceptanceThreshold() + 1e-9);
    Column rooted = col("structure_status").isin(TreeAssembly.OK, TreeAssembly.MULTIPLE_ROOTS);

    Column[] checks = {
      check(
          col("o_top").isNotNull(),
          ORPHAN,
          format_string(
              "parent_id %s not found; orphaned subtree of %d messages", col("parent_id"), col("o_size"))),
      check(
          col("on_cycle"),
          CYCLE,
          format_string(
              "on a parent cycle of %d messages (cycle id %s)", col("cycle_length"), col("cycle_id"))),
      check(
          col("role").equalTo(col("p_role")),
          ROLE_NOT_ALTERNATING,
          format_string("%s message replies to %s message %s", col("role"), col("p_role"), col("parent_id"))),
      check(
          col("parent_id").isNull().and(col("role").notEqual(Tables.PROMPTER)),
          ROLE_NOT_ALTERNATING,
          format_string("root message has role %s", col("role"))),
      check(
          rooted.and(col("message_tree_id").isNotNull()).and(col("message_tree_id").notEqual(col("root_id"))),
          TREE_ID_MISMATCH,
          format_string(
              "message_tree_id %s, but the root of its parent chain is %s",
              col("message_tree_id"),
              col("root_id"))),
      check(
          not(coalesce(col("deleted"), lit(false))).and(col("nearest_deleted_ancestor").isNotNull()),
          DELETED_ANCESTOR,
          format_string("not deleted, but its ancestor %s is", col("nearest_deleted_ancestor"))),
      check(
          col("role").equalTo(Tables.PROMPTER).and(col("rank").isNotNull()),
          RANK_ON_PROMPTER,
          format_string("prompter message has rank %d", col("rank"))),
      check(
          coalesce(col("review_count"), lit(0)).geq(options.minReviews())
              .and(col("review_result").isNotNull())
              .and(spam.isNotNull().or(langMismatch.isNotNull()))
              .and(col("review_result").notEqual(accepted)),
          REVIEW_RESULT_MISMATCH,
          format_string(
              "review_result %s, but the label means give acceptance score %.3f (accept above %.2f; %d reviews)",
              col("review_result").cast("string"),
              score,
              lit(options.acceptanceThreshold()),
              col("review_count"))),
      check(
          col("created_date").lt(col("p_created_date")),
          CREATED_BEFORE_PARENT,
          format_string(
              "created %s, before its parent %s (%s)",
              col("created_date").cast("string"),
              col("parent_id"),
              col("p_created_date").cast("string"))),
    };
    return wide.select(
            col("message_id"),
            col("tree_id"),
            explode(filter(array(checks), c -> c.isNotNull())).as("f"))
        .select(col("f.kind").as("kind"), col("message_id"), col("tree_id"), col("f.detail").as("detail"));
  }

  /** One finding per parentless message whose tree id ({@code claim}) {@code n_roots > 1} claim. */
  private static Dataset<Row> multipleRootFindings(Dataset<Row> claimingRoots) {
    return findingWithTree(
        claimingRoots,
        MULTIPLE_ROOTS,
        col("claim"),
        format_string("%d parentless messages claim tree id %s", col("n_roots"), col("claim")));
  }

  /** Duplicate ranks and gaps among a parent's ranked assistant replies (one row per such parent). */
  private static Dataset<Row> rankFindings(Dataset<Row> rankedSiblings) {
    Column rankDetail = format_string("assistant replies ranked [%s]", col("ranks"));
    Column duplicated = col("n_ranked").gt(col("n_distinct_ranks"));
    Column gap =
        col("lowest_rank").notEqual(0).or(col("highest_rank").notEqual(col("n_distinct_ranks").minus(1)));
    return rankedSiblings
        .filter(duplicated.or(gap))
        .select(
            col("message_id"),
            col("tree_id"),
            explode(
                    filter(
                        array(check(duplicated, RANK_DUPLICATE, rankDetail), check(gap, RANK_GAP, rankDetail)),
                        c -> c.isNotNull()))
                .as("f"))
        .select(col("f.kind").as("kind"), col("message_id"), col("tree_id"), col("f.detail").as("detail"));
  }

  /** A finding struct when the condition holds (null-safe: an unknown condition finds nothing). */
  private static Column check(Column condition, String kind, Column detail) {
    return when(coalesce(condition, lit(false)), struct(lit(kind).as("kind"), detail.as("detail")));
  }

  private static Dataset<Row> findingWithTree(Dataset<Row> rows, String kind, Column treeId, Column detail) {
    return rows.select(
        lit(kind).as("kind"),
        col("message_id").cast(DataTypes.StringType).as("message_id"),
        treeId.cast(DataTypes.StringType).as("tree_id"),
        detail.as("detail"));
  }
}
