package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The runnable jar as users start it: {@code java -jar oasst-pipeline.jar <command> ...}, locally. */
final class ItCommands {
  private static Set<String> available;

  private ItCommands() {}

  /** JVM flags for local test runs: no UI, loopback only, two cores (the machine is shared). */
  static List<String> localJvm() {
    return List.of("-Xmx1g", "-Dspark.master=local[2]", "-Dspark.ui.enabled=false",
        "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1");
  }

  static List<String> jarArgs(List<String> programArgs) {
    List<String> args = new ArrayList<>(List.of("-jar", ItProcesses.fatJar().toString()));
    args.addAll(programArgs);
    return args;
  }

  /** The subcommands the packaged program has, from its own overview (grows as the lead merges). */
  static synchronized Set<String> available() {
    if (available == null) {
      try {
        Process p = new ProcessBuilder(ItProcesses.java(), "-jar", ItProcesses.fatJar().toString(), "--help")
            .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^  ([a-z][a-z-]*)\\s{2,}").matcher(text);
        while (m.find()) names.add(m.group(1));
        available = names;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return available;
  }

  /** Runs the program to completion and asserts exit code 0. */
  static ItProcesses.Started runLocally(ItProcesses processes, String name, List<String> programArgs, Duration timeout) {
    ItProcesses.Started s = startLocally(processes, name, programArgs);
    int code = ItProcesses.waitFor(s, timeout);
    assertEquals(0, code, name + " failed:\n" + s.logTail(6000));
    return s;
  }

  static ItProcesses.Started startLocally(ItProcesses processes, String name, List<String> programArgs) {
    try {
      Path cwd = Files.createTempDirectory("oasst-it-cwd");
      return processes.start(name, localJvm(), jarArgs(programArgs), Map.of(), cwd);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
