package org.oasst.pipeline.core.trees;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.graph.GraphLayer;
import org.oasst.pipeline.core.io.OutputStore;

/**
 * The {@code trees} stage: reads {@code tables/messages}, writes {@code tables/trees},
 * {@code tables/integrity}, {@code tables/message_structure} and (with {@code trees.threads})
 * {@code tables/threads}, and records a {@code trees} manifest section.
 *
 * <p>Config keys: {@code trees.threads} (false), {@code trees.integrity.min_reviews} (3),
 * {@code trees.integrity.acceptance_threshold} (0.6).
 */
public final class TreesStage {
  private TreesStage() {}

  public static final String MESSAGES = "tables/messages";
  public static final String TREES = "tables/trees";
  public static final String INTEGRITY = "tables/integrity";
  public static final String STRUCTURE = "tables/message_structure";
  public static final String THREADS = "tables/threads";

  public static void run(SparkSession spark, OutputStore store, PipelineConfig config) {
    Dataset<Row> messages = store.read(MESSAGES);
    long started = System.nanoTime();
    TreeAssembly.Assembly assembly = TreeAssembly.assemble(messages, GraphLayer.spark());
    double assemblySeconds = (System.nanoTime() - started) / 1e9;
    Dataset<Row> annotated = assembly.annotated();

    IntegrityChecks.Options integrity =
        new IntegrityChecks.Options(
            config.getInt("trees.integrity.min_reviews", 3),
            config.getDouble("trees.integrity.acceptance_threshold", 0.6));

    store.writeTable(STRUCTURE, assembly.structure());
    store.writeTable(TREES, assembly.trees());
    store.writeTable(INTEGRITY, assembly.findings(integrity));
    boolean threads = config.getBoolean("trees.threads", false);
    if (threads) store.writeTable(THREADS, Threads.threads(annotated));

    store.recordSection("trees", section(store, assembly, assemblySeconds, threads));
  }

  private static Map<String, Object> section(
      OutputStore store, TreeAssembly.Assembly assembly, double assemblySeconds, boolean threads) {
    // counted on the written tables: cheap scans, not a re-run of the assembly
    Map<String, Long> findings = new LinkedHashMap<>();
    for (String kind : IntegrityChecks.KINDS) findings.put(kind, 0L);
    for (Row r : store.read(INTEGRITY).groupBy("kind").count().collectAsList()) {
      findings.put(r.getString(0), r.getLong(1));
    }
    Map<String, Long> structure = new LinkedHashMap<>();
    for (String s :
        List.of(TreeAssembly.OK, TreeAssembly.ORPHANED, TreeAssembly.CYCLE, TreeAssembly.MULTIPLE_ROOTS)) {
      structure.put(s, 0L);
    }
    Dataset<Row> written = store.read(STRUCTURE);
    for (Row r : written.groupBy("structure_status").count().collectAsList()) {
      structure.put(r.getString(0), r.getLong(1));
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("assembly", assembly.perTree() ? "per_tree" : "pointer_jumping");
    section.put("pointer_jumping_rounds", assembly.rounds());
    section.put("cycle_rounds", assembly.cycleRounds());
    section.put("assembly_seconds", Math.round(assemblySeconds * 1000) / 1000.0);
    section.put("trees", store.read(TREES).count());
    section.put("messages_by_structure", structure);
    section.put("tree_ids_recovered", written.filter(col("tree_id_recovered")).count());
    section.put("findings", findings);
    section.put(
        "structural_findings",
        findings.entrySet().stream()
            .filter(e -> IntegrityChecks.STRUCTURAL.contains(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum());
    section.put("threads_written", threads);
    return section;
  }
}
