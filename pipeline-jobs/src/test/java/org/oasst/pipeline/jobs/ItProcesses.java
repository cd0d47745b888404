package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Separate JVMs for the integration tests: the packaged jars, Spark's jars folder, ports and logs.
 * Every process started here is tracked and ended by {@link #close()}, with its children (executors
 * started by a worker), so a failing test leaves nothing running.
 */
final class ItProcesses implements AutoCloseable {
  /** The JVM flags Spark's own launcher adds on Java 17 (root pom property spark.java.opens). */
  static List<String> javaOpens() {
    String opens = System.getProperty("oasst.java.opens");
    if (opens == null || opens.isBlank()) {
      throw new IllegalStateException("system property oasst.java.opens is not set: run through mvn verify (failsafe)");
    }
    return Arrays.asList(opens.trim().split("\\s+"));
  }

  static Path buildDir() {
    String dir = System.getProperty("oasst.build.dir");
    return (dir != null ? Paths.get(dir) : Paths.get("target")).toAbsolutePath().normalize();
  }

  static Path fatJar() {
    return existing(buildDir().resolve("oasst-pipeline.jar"));
  }

  static Path thinJar() {
    return existing(buildDir().resolve("oasst-pipeline-cluster.jar"));
  }

  static Path sparkHome() {
    Path home = buildDir().resolve("spark-home");
    existing(home.resolve("jars"));
    return home;
  }

  static Path existing(Path p) {
    if (!Files.exists(p)) fail(p + " is missing: it is made by `mvn package` of pipeline-jobs");
    return p;
  }

  static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A port nobody listens on right now on 127.0.0.1 (the tiny race with other programs is accepted). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A started JVM with its stdout and its stderr (Spark's logs and progress bars) in two files. */
  record Started(String name, Process process, Path out, Path log) {
    /** What the program printed on stdout (results), without Spark's interleaved console output. */
    String outText() {
      return read(out);
    }

    /** stderr: Spark's logs, the program's progress lines and errors. */
    String logText() {
      return read(log);
    }

    String logTail(int chars) {
      String t = "stdout:\n" + outText() + "\nstderr:\n" + logText();
      return t.length() <= chars ? t : "..." + t.substring(t.length() - chars);
    }

    private static String read(Path file) {
      try {
        // ISO-8859-1 never fails on a log still being written (a cut UTF-8 sequence at its end)
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final List<Started> started = new ArrayList<>();
  private final Path logDir;

  ItProcesses(Path logDir) {
    this.logDir = logDir;
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts {@code java <jvmArgs> <args>} with a clean environment for Spark (no SPARK_* inherited
   * from the shell that runs Maven) plus {@code env}.
   */
  Started start(String name, List<String> jvmArgs, List<String> args, Map<String, String> env, Path workDir) {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(jvmArgs);
    command.addAll(args);
    return startCommand(name, command, env, workDir);
  }

  /**
   * Starts {@code command} (a script, for instance) with the same clean environment as
   * {@link #start}, and no JVM options inherited either.
   */
  Started startCommand(String name, List<String> command, Map<String, String> env, Path workDir) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("OASST_")
        || k.equals("HADOOP_CONF_DIR") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putAll(env);
    pb.directory(workDir.toFile());
    Path out = logDir.resolve(name + ".out");
    Path log = logDir.resolve(name + ".log");
    pb.redirectOutput(out.toFile());
    pb.redirectError(log.toFile());
    try {
      Files.writeString(logDir.resolve(name + ".cmd"), String.join(" ", command) + "\n");
      Started s = new Started(name, pb.start(), out, log);
      started.add(s);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** Waits for the process to end, at most {@code timeout}; kills it and fails on time-out. */
  static int waitFor(Started s, Duration timeout) {
    try {
      if (!s.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(s.process());
        fail(s.name() + " did not finish within " + timeout.toSeconds() + " s; its log ends with:\n" + s.logTail(4000));
      }
      return s.process().exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code condition} every 100 ms for at most {@code timeout}; fails with {@code what} otherwise. */
  static void await(String what, Duration timeout, BooleanSupplier condition, Started watched) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return;
      if (watched != null && !watched.process().isAlive()) {
        fail(watched.name() + " exited (code " + watched.process().exitValue() + ") while waiting for " + what + ":\n" + watched.logTail(4000));
      }
      sleep(100);
    }
    fail("timed out after " + timeout.toSeconds() + " s waiting for " + what
        + (watched == null ? "" : "; " + watched.name() + " log ends with:\n" + watched.logTail(4000)));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Ends a process and everything it started: politely first, then by force, bounded. */
  static void kill(Process p) {
    List<ProcessHandle> children = p.toHandle().descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle c : children) {
      if (c.isAlive()) c.destroyForcibly();
    }
  }

  @Override
  public void close() {
    // newest first: a worker (and its executors) before its master
    for (int i = started.size() - 1; i >= 0; i--) {
      Started s = started.get(i);
      if (s.process().isAlive() || s.process().toHandle().descendants().findAny().isPresent()) kill(s.process());
    }
    started.clear();
  }

  static String classpath(Path... entries) {
    List<String> parts = new ArrayList<>();
    for (Path e : entries) parts.add(e.toString());
    return String.join(File.pathSeparator, parts);
  }

  static void assertLogContains(Started s, String needle) {
    assertTrue(s.logText().contains(needle), s.name() + " stderr lacks '" + needle + "':\n" + s.logTail(4000));
  }

  static void assertOutContains(Started s, String needle) {
    assertTrue(s.outText().contains(needle), s.name() + " stdout lacks '" + needle + "':\n" + s.logTail(4000));
  }

  /** A folder for one test class's process logs, kept after the run for a post-mortem. */
  static Path logDir(Class<?> testClass) {
    return buildDir().resolve("it-logs").resolve(testClass.getSimpleName());
  }
}
