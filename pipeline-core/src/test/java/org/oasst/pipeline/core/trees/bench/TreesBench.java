package org.oasst.pipeline.core.trees.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.oasst.pipeline.core.graph.Ancestry;
import org.oasst.pipeline.core.graph.AncestryOptions;
import org.oasst.pipeline.core.graph.GraphLayer;
import org.oasst.pipeline.core.schema.Tables;
import org.oasst.pipeline.core.trees.IntegrityChecks;
import org.oasst.pipeline.core.trees.TreeAssembly;
import org.oasst.pipeline.core.trees.TreeSummary;

/**
 * Benchmark of tree reassembly. Arguments: {@code messages=N} (any number of times) and
 * {@code chain=D} (any number of times). Messages are generated in Spark with an OASST-like shape:
 * half of them in 12-message trees (a binary reply tree of depth 3, assistant replies ranked), half
 * single-prompt trees. A chain is one path of D+1 nodes, run through the graph layer alone (paths
 * of a deep chain grow quadratically and are not what the chain measures).
 */
public final class TreesBench {
  public static void main(String[] args) {
    SparkSession.Builder builder = SparkSession.builder().appName("trees-bench");
    // a benchmark started by hand runs locally unless spark.master is given (-Dspark.master=...)
    if (System.getProperty("spark.master") == null) builder.master("local[*]");
    SparkSession spark =
        builder
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", System.getProperty("bench.partitions", "8"))
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      long n = Long.parseLong(kv[1].replace("_", ""));
      if (kv[0].equals("messages")) benchMessages(spark, n);
      else if (kv[0].equals("chain")) benchChain(spark, n);
      else throw new IllegalArgumentException("unknown argument " + arg + " (messages=N, chain=D)");
    }
    spark.stop();
  }

  static void benchMessages(SparkSession spark, long target) {
    Dataset<Row> messages = generate(spark, target).localCheckpoint(true);
    long n = messages.count();
    long t0 = System.nanoTime();
    TreeAssembly.Assembly a = TreeAssembly.assemble(messages, GraphLayer.spark());
    double assembly = seconds(t0);
    long t1 = System.nanoTime();
    long trees = TreeSummary.trees(a.annotated()).count();
    double summary = seconds(t1);
    long t2 = System.nanoTime();
    long findings = IntegrityChecks.findings(a.annotated()).count();
    double integrity = seconds(t2);
    System.out.printf(
        "messages=%d trees=%d findings=%d rounds=%d assembly_s=%.2f trees_s=%.2f integrity_s=%.2f"
            + " total_s_per_million=%.2f%n",
        n, trees, findings, a.rounds(), assembly, summary, integrity,
        (assembly + summary + integrity) / (n / 1e6));
  }

  static void benchChain(SparkSession spark, long depth) {
    Dataset<Row> chain =
        spark
            .range(depth + 1)
            .select(
                expr("concat('n', id)").as("id"),
                expr("case when id = 0 then null else concat('n', id - 1) end").as("parent_id"))
            .localCheckpoint(true);
    long t0 = System.nanoTime();
    Ancestry result = GraphLayer.spark().ancestry(chain, AncestryOptions.rootsOnly());
    long maxDepth = result.nodes().agg(org.apache.spark.sql.functions.max("depth")).first().getInt(0);
    double s = seconds(t0);
    System.out.printf(
        "chain_depth=%d max_depth=%d rounds=%d expected_rounds=%d seconds=%.2f%n",
        depth, maxDepth, result.rounds(), (long) Math.ceil(Math.log(depth) / Math.log(2)), s);
  }

  /** OASST-shaped messages, every column of the messages table. */
  static Dataset<Row> generate(SparkSession spark, long target) {
    long bigTrees = Math.max(1, target / 24);
    Dataset<Row> big =
        spark
            .range(bigTrees)
            .withColumnRenamed("id", "t")
            .crossJoin(spark.range(12).withColumnRenamed("id", "j"))
            .select(
                expr("concat('b', t, '_', j)").as("message_id"),
                expr("case when j = 0 then null else concat('b', t, '_', cast((j - 1) / 2 as bigint)) end")
                    .as("parent_id"),
                expr("concat('b', t, '_0')").as("message_tree_id"),
                lit("ready_for_export").as("tree_state"),
                expr("cast(floor(log2(j + 1)) as int)").as("level"),
                expr("cast(j as int)").as("j"));
    Dataset<Row> singles =
        spark
            .range(target - 12 * bigTrees)
            .select(
                expr("concat('s', id)").as("message_id"),
                lit(null).cast("string").as("parent_id"),
                expr("concat('s', id)").as("message_tree_id"),
                lit("prompt_lottery_waiting").as("tree_state"),
                lit(0).as("level"),
                lit(0).as("j"));
    Dataset<Row> shaped = big.unionByName(singles);
    List<Column> columns = new ArrayList<>();
    for (StructField f : Tables.MESSAGES.fields()) {
      switch (f.name()) {
        case "message_id", "parent_id", "message_tree_id", "tree_state" -> columns.add(col(f.name()));
        case "role" -> columns.add(expr("case when level % 2 = 0 then 'prompter' else 'assistant' end").as("role"));
        case "rank" -> columns.add(expr("case when level % 2 = 1 then cast((j + 1) % 2 as int) end").as("rank"));
        case "created_date" -> columns.add(expr("timestamp_seconds(1675209600 + j * 60)").as("created_date"));
        case "text" -> columns.add(lit("some text").as("text"));
        case "lang" -> columns.add(lit("en").as("lang"));
        case "deleted", "synthetic" -> columns.add(lit(false).as(f.name()));
        case "review_count" -> columns.add(lit(3).as("review_count"));
        case "review_result" -> columns.add(lit(true).as("review_result"));
        case "source_format" -> columns.add(lit("bench").as(f.name()));
        case "source_file" -> columns.add(lit("bench").as(f.name()));
        case "source_line" -> columns.add(lit(0L).as(f.name()));
        default -> columns.add(lit(null).cast(f.dataType()).as(f.name()));
      }
    }
    return shaped.select(columns.toArray(Column[]::new));
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
