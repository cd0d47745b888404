package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.io.OutputStore;

/**
 * The thin jar on a real standalone Spark cluster: a master and one worker as separate JVMs on
 * 127.0.0.1, started from Spark's jars alone (target/spark-home/jars, no product code there), and
 * the program submitted through {@code org.apache.spark.deploy.SparkSubmit}, as spark-submit does.
 * The executor only gets our classes from the submitted thin jar, so a passing job proves that jar
 * carries what the cluster lacks.
 */
class StandaloneClusterIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration JOB_TIMEOUT = Duration.ofSeconds(240);

  @TempDir static Path temp;
  private static ItProcesses processes;
  private static String masterUrl;
  private static Path workerWorkDir;
  private static ItProcesses.Started master;

  @BeforeAll
  static void startCluster() throws IOException {
    processes = new ItProcesses(ItProcesses.logDir(StandaloneClusterIT.class));
    Path sparkHome = ItProcesses.sparkHome();
    String sparkJars = sparkHome.resolve("jars").toString() + "/*";
    int masterPort = ItProcesses.freePort();
    masterUrl = "spark://127.0.0.1:" + masterPort;
    workerWorkDir = Files.createDirectories(temp.resolve("worker-work"));
    Path scratch = Files.createDirectories(temp.resolve("scratch"));

    List<String> daemonJvm = new ArrayList<>(ItProcesses.javaOpens());
    daemonJvm.addAll(List.of("-Xmx256m", "-Djava.io.tmpdir=" + scratch, "-cp", sparkJars));
    Map<String, String> env =
        Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.12", "SPARK_LOCAL_DIRS", scratch.toString());

    master =
        processes.start(
            "master",
            daemonJvm,
            List.of("org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(masterPort),
                "--webui-port", String.valueOf(ItProcesses.freePort())),
            env,
            temp);
    ItProcesses.await("the master to listen", START_TIMEOUT,
        () -> master.logText().contains("I have been elected leader"), master);

    ItProcesses.Started worker =
        processes.start(
            "worker",
            daemonJvm,
            List.of("org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--port", String.valueOf(ItProcesses.freePort()),
                "--webui-port", String.valueOf(ItProcesses.freePort()),
                "--cores", "2", "--memory", "1g", "--work-dir", workerWorkDir.toString(),
                masterUrl),
            env,
            temp);
    ItProcesses.await("the worker to register with the master", START_TIMEOUT,
        () -> worker.logText().contains("Successfully registered with master"), worker);
    ItProcesses.assertLogContains(master, "Registering worker 127.0.0.1");
  }

  @AfterAll
  static void stopCluster() {
    if (processes != null) processes.close();
  }

  /** java <opens> -cp 'spark-home/jars/*' SparkSubmit --master spark://... --class ... thin.jar args */
  private static ItProcesses.Started submit(String name, List<String> programArgs) {
    List<String> jvm = new ArrayList<>(ItProcesses.javaOpens());
    jvm.addAll(List.of("-Xmx768m", "-cp", ItProcesses.sparkHome().resolve("jars") + "/*"));
    List<String> args = new ArrayList<>(List.of(
        "org.apache.spark.deploy.SparkSubmit",
        "--master", masterUrl,
        "--deploy-mode", "client",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.executor.memory=512m",
        "--conf", "spark.cores.max=2",
        "--conf", "spark.sql.shuffle.partitions=4"));
    // the cluster settings the project ships (Kryo among them), as the README's spark-submit line uses them
    Path clusterConf = repoDir().resolve("conf").resolve("spark-cluster.conf");
    if (Files.isRegularFile(clusterConf)) args.addAll(List.of("--properties-file", clusterConf.toString()));
    args.addAll(List.of("--class", "org.oasst.pipeline.jobs.OasstPipeline", ItProcesses.thinJar().toString()));
    args.addAll(programArgs);
    return processes.start(name, jvm, args, Map.of("SPARK_HOME", ItProcesses.sparkHome().toString()), temp);
  }

  private static Path repoDir() {
    String dir = System.getProperty("oasst.repo.dir");
    return (dir != null ? Path.of(dir) : ItProcesses.buildDir().getParent().getParent()).toAbsolutePath().normalize();
  }

  /** The executor logs of one application in the worker's work dir: proof that tasks ran there. */
  private static String executorLogs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(workerWorkDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        all.append(Files.readString(f));
      }
    }
    return all.toString();
  }

  @Test
  void sqlOverAStoreRunsOnTheClusterExecutors() throws IOException {
    // An output folder written the product's way, with numbers the test knows by construction.
    SparkSession spark = TestSpark.get();
    Path out = temp.resolve("sql-output");
    OutputStore store = new OutputStore(spark, out.toString());
    long n = 5000;
    Dataset<Row> messages =
        spark.range(0, n, 1, 4)
            .selectExpr("id AS seq", "concat('m', id) AS message_id", "concat('t', id % 37) AS message_tree_id",
                "CASE WHEN id % 3 = 0 THEN 'prompter' ELSE 'assistant' END AS role");
    store.writeTable("tables/messages", messages);
    store.commitManifest();

    long expectedSum = n * (n - 1) / 2;
    long expectedPrompter = (n + 2) / 3; // ids 0, 3, 6, ... below n
    ItProcesses.Started job =
        submit("submit-sql", List.of("sql", "--output", out.toString(), "--format", "csv",
            "SELECT count(*) AS n, count(DISTINCT message_tree_id) AS trees, sum(seq) AS total, "
                + "sum(CASE WHEN role = 'prompter' THEN 1 ELSE 0 END) AS prompter FROM messages"));
    int code = ItProcesses.waitFor(job, JOB_TIMEOUT);
    assertEquals(0, code, "spark-submit failed:\n" + job.logTail(6000));

    ItProcesses.assertOutContains(job, "n,trees,total,prompter\n" + n + ",37," + expectedSum + "," + expectedPrompter + "\n");
    // the driver really registered with the standalone master, not with a local master (the
    // program keeps Spark's own log quiet, so the master's log is the witness)
    ItProcesses.assertLogContains(master, "Registering app org.oasst.pipeline.jobs.OasstPipeline");

    String executors = executorLogs();
    assertFalse(executors.isEmpty(), "no executor stderr under " + workerWorkDir);
    assertTrue(executors.contains("Running task"), "the executors ran no task:\n" + executors);
    assertTrue(executors.contains("oasst-pipeline-cluster.jar"), "the executors never fetched the thin jar");
  }

  @Test
  void wholePipelineRunOnTheCluster() throws IOException {
    assumeTrue(ItCommands.available().containsAll(List.of("synth", "run")),
        "the program has no synth and run commands yet");
    Path input = temp.resolve("synth-input.jsonl");
    Path out = temp.resolve("run-output");
    ItCommands.runLocally(processes, "synth-for-cluster", List.of("synth", "--trees", "300", "--seed", "7", "--output", input.toString()),
        Duration.ofSeconds(90));
    // One broken line, so that the single-pass ingest carries a quarantine row from an executor's
    // JVM to the driver's.
    Files.writeString(input, "[1, 2]\n", java.nio.file.StandardOpenOption.APPEND);

    // The DL4J scorer has its own module tests; here the cluster path of ingest, trees, the
    // analyses (whose message pass reads Parquet column batches in the executors) and datasets is
    // what counts, within the suite's time budget.
    ItProcesses.Started job =
        submit("submit-run", List.of("run", "--input", input.toString(), "--output", out.toString(), "--skip", "toxicity"));
    int code = ItProcesses.waitFor(job, JOB_TIMEOUT);
    assertEquals(0, code, "spark-submit run failed:\n" + job.logTail(6000));

    OutputFolderCheck check = OutputFolderCheck.of(out);
    check.assertConsistent(TestSpark.get());
    assertTrue(check.manifestRows("tables/messages") > 0, "no messages in " + check.describe());
    assertEquals(1, check.manifestRows("quarantine"), check.describe());
    JsonNode manifest = new ObjectMapper().readTree(out.resolve(OutputStore.MANIFEST).toFile());
    assertEquals("single_pass", manifest.at("/read_plan/read").asText(), manifest.get("read_plan").toString());
    assertEquals("column_batches", manifest.at("/analysis/message_pass_read").asText(),
        "the analyses' message pass read rows on the cluster");
    assertEquals(check.manifestRows("tables/messages"), manifest.at("/analysis/input/messages").asLong(),
        "the message pass counted every message");
    assertTrue(check.manifestRows("analysis/leaderboard") > 0, check.describe());
    assertTrue(executorLogs().contains("Running task"), "the executors ran no task");
  }
}
