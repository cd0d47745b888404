package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.io.OutputStore;

/** The packaged jars: what each holds, and the runnable one started the way users start it. */
class PackagingIT {
  @TempDir static Path temp;
  private static ItProcesses processes;

  @BeforeAll
  static void setUp() {
    processes = new ItProcesses(ItProcesses.logDir(PackagingIT.class));
  }

  @AfterAll
  static void tearDown() {
    if (processes != null) processes.close();
  }

  private static Set<String> classes(Path jar) throws IOException {
    Set<String> names = new HashSet<>();
    try (JarFile j = new JarFile(jar.toFile())) {
      j.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
          .forEach(names::add);
    }
    return names;
  }

  @Test
  void thinJarPlusSparkJarsCoverTheRunnableJar() throws IOException {
    Set<String> thin = classes(ItProcesses.thinJar());
    Set<String> cluster = new HashSet<>();
    try (Stream<Path> jars = Files.list(ItProcesses.sparkHome().resolve("jars"))) {
      for (Path j : jars.filter(p -> p.toString().endsWith(".jar")).toList()) cluster.addAll(classes(j));
    }
    // the cluster side holds no product code, the thin side no Spark, Scala or Hadoop
    assertTrue(cluster.stream().noneMatch(c -> c.startsWith("org/oasst/")), "product classes in spark-home/jars");
    for (String prefix : List.of("org/apache/spark/", "scala/", "org/apache/hadoop/", "org/apache/parquet/")) {
      assertTrue(thin.stream().noneMatch(c -> c.startsWith(prefix)), "the thin jar carries " + prefix);
    }
    assertTrue(thin.contains("org/oasst/pipeline/jobs/OasstPipeline.class"));
    assertTrue(thin.contains("org/oasst/pipeline/core/io/OutputStore.class"));
    assertTrue(thin.contains("com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class"));
    assertTrue(thin.contains("org/yaml/snakeyaml/Yaml.class"));

    // every class of the runnable jar is on one side or the other: the two lists in pipeline-jobs/pom.xml agree
    List<String> missing = new ArrayList<>();
    for (String c : classes(ItProcesses.fatJar())) {
      if (!thin.contains(c) && !cluster.contains(c)) missing.add(c);
    }
    assertTrue(missing.isEmpty(), missing.size() + " classes of the runnable jar are neither in the thin jar nor in "
        + "spark-home/jars (extend thin.groupIds and the thin shade includes), e.g. "
        + missing.subList(0, Math.min(20, missing.size())));
  }

  @Test
  void runnableJarRunsALocalJobWithoutJvmFlags() throws IOException {
    SparkSession spark = TestSpark.get();
    Path out = temp.resolve("store");
    OutputStore store = new OutputStore(spark, out.toString());
    store.writeTable("tables/labels", spark.range(0, 1234, 1, 3).selectExpr("concat('m', id) AS message_id", "'spam' AS name",
        "CAST(id % 2 AS DOUBLE) AS value", "3 AS count"));
    store.commitManifest();

    // `java -jar` with no --add-opens: the jar's Add-Opens manifest entry must be enough for Spark on Java 17
    Path cwd = Files.createDirectories(temp.resolve("cwd"));
    ItProcesses.Started help = processes.start("jar-help", List.of(), List.of("-jar", ItProcesses.fatJar().toString(), "--help"), Map.of(), cwd);
    assertEquals(0, ItProcesses.waitFor(help, Duration.ofSeconds(60)), help.logText());
    ItProcesses.assertOutContains(help, "usage: oasst-pipeline <command>");

    ItProcesses.Started job = processes.start("jar-sql", List.of(),
        List.of("-jar", ItProcesses.fatJar().toString(), "sql", "--output", out.toString(), "--format", "csv",
            "SELECT count(*) AS n, sum(value) AS spam FROM labels"),
        Map.of(), cwd);
    assertEquals(0, ItProcesses.waitFor(job, Duration.ofSeconds(100)), job.logTail(6000));
    ItProcesses.assertOutContains(job, "n,spam\n1234,617.0\n");
  }

  /**
   * bin/oasst-pipeline as the README runs it: the first command writes the class-data archive beside
   * the jar, the next one starts from it, and a flight recording started with the JVM (which crashes
   * Java 17 together with the archive) runs without it.
   */
  @Test
  void launcherMakesAndUsesItsClassDataArchive() throws Exception {
    SparkSession spark = TestSpark.get();
    Path out = temp.resolve("launcher-store");
    OutputStore store = new OutputStore(spark, out.toString());
    store.writeTable("tables/labels", spark.range(0, 100, 1, 2).selectExpr("concat('m', id) AS message_id",
        "'spam' AS name", "CAST(id % 4 AS DOUBLE) AS value", "3 AS count"));
    store.commitManifest();
    Path launcher = ItProcesses.buildDir().resolve("../../bin/oasst-pipeline").normalize();
    Path archive = ItProcesses.buildDir().resolve("oasst-pipeline.jsa");
    Files.deleteIfExists(archive);
    Path cwd = Files.createDirectories(temp.resolve("launcher-cwd"));
    List<String> sql = List.of("sql", "--output", out.toString(), "--format", "csv",
        "SELECT count(*) AS n, sum(value) AS total FROM labels");

    assertEquals("n,total\n100,150.0\n", launch(launcher, sql, Map.of(), "launcher-first", cwd));
    assertTrue(Files.size(archive) > 10_000_000, "the first command leaves the archive: " + archive);
    long made = Files.getLastModifiedTime(archive).toMillis();
    assertEquals("n,total\n100,150.0\n", launch(launcher, sql, Map.of(), "launcher-second", cwd));
    assertEquals(made, Files.getLastModifiedTime(archive).toMillis(), "the second command only reads it");
    Path recording = temp.resolve("launcher.jfr");
    assertEquals("n,total\n100,150.0\n", launch(launcher, sql,
        Map.of("OASST_JAVA_OPTS", "-XX:StartFlightRecording=filename=" + recording), "launcher-jfr", cwd));
    assertTrue(Files.size(recording) > 0);
  }

  /** Runs the launcher (no build) and returns the CSV it printed; fails on a non-zero exit. */
  private static String launch(Path launcher, List<String> args, Map<String, String> env, String name,
      Path cwd) {
    List<String> command = new ArrayList<>(List.of("bash", launcher.toString()));
    command.addAll(args);
    Map<String, String> launcherEnv = new java.util.HashMap<>(env);
    launcherEnv.put("OASST_NO_BUILD", "1");
    launcherEnv.put("JAVA_HOME", System.getProperty("java.home"));
    ItProcesses.Started run = processes.startCommand(name, command, launcherEnv, cwd);
    assertEquals(0, ItProcesses.waitFor(run, Duration.ofSeconds(180)), run.logTail(6000));
    String out = run.outText();
    return out.substring(out.indexOf("n,total"));
  }
}
