package org.oasst.pipeline.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM: local, two cores, few shuffle partitions, no UI. Every test
 * class in every module shares it (surefire reuses one fork), so its start-up is paid once.
 */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("oasst-pipeline-tests")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.adaptive.enabled", "true")
              .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }

  /** The project's shared folder with the real samples ({@code ../shared} beside the checkout). */
  public static Path sharedDir() {
    String configured = System.getProperty("oasst.shared.dir");
    Path dir = configured != null ? Paths.get(configured) : Paths.get("..", "..", "shared");
    if (!Files.isDirectory(dir)) dir = Paths.get("..", "shared");
    return dir.toAbsolutePath().normalize();
  }

  public static Path realSample(String name) {
    return sharedDir().resolve("data").resolve("real").resolve(name);
  }

  public static final String OPENPAWS = "openpaws_oasst2_filtered.trees.jsonl";
  public static final String EN_100 = "oa_repo_model_eval_en_100_tree.jsonl";
}
