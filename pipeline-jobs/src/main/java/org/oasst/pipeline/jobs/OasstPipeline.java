package org.oasst.pipeline.jobs;

import java.io.PrintStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.oasst.pipeline.core.config.ConfigException;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.MissingOutputException;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.Command;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;
import org.oasst.pipeline.jobs.commands.Commands;

/**
 * The {@code oasst-pipeline} program: one main class for {@code java -jar} and for
 * {@code spark-submit --class}. Exit codes: 0 success, 2 bad usage, 1 failure, each failure with a
 * one-line cause on stderr (the stack trace only with {@code --verbose}).
 */
public final class OasstPipeline {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  /** Options every subcommand takes. */
  public static final List<Option> COMMON_OPTIONS =
      List.of(
          Option.value("config", "FILE", "pipeline settings (YAML); see conf/pipeline.yaml"),
          Option.values("set", "KEY=VALUE", "override one setting, e.g. --set datasets.top_k=2"),
          Option.flag("verbose", "print stack traces of failures"),
          Option.flag("help", "show this help"));

  private OasstPipeline() {}

  public static void main(String[] argv) {
    int code = run(argv, System.out, System.err);
    // Under spark-submit on a cluster, returning lets SparkSubmit shut down cleanly; a non-zero
    // code must still reach the shell.
    if (code != OK) System.exit(code);
  }

  public static int run(String[] argv, PrintStream out, PrintStream err) {
    Map<String, Command> commands = new LinkedHashMap<>();
    for (Command c : Commands.all()) commands.put(c.name(), c);
    if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
      printOverview(commands, argv.length == 0 ? err : out);
      return argv.length == 0 ? USAGE : OK;
    }
    if (argv[0].equals("--version")) {
      out.println("oasst-pipeline " + Versions.product());
      return OK;
    }
    Command command = commands.get(argv[0]);
    if (command == null) {
      err.println("error: unknown command '" + argv[0] + "' (commands: " + String.join(", ", commands.keySet()) + ")");
      return USAGE;
    }
    String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
    boolean verbose = Arrays.asList(rest).contains("--verbose");
    quietSparkLogsUnless(verbose);
    try (JobContext context = new JobContext(out, err)) {
      List<Option> options = new ArrayList<>(command.options());
      options.addAll(COMMON_OPTIONS);
      Args args = Args.parse(command.name(), rest, options);
      if (args.has("help")) {
        printHelp(command, options, out);
        return OK;
      }
      PipelineConfig config =
          args.has("config") ? PipelineConfig.load(Paths.get(args.get("config", null))) : PipelineConfig.defaults();
      for (String assignment : args.all("set")) config = config.withOverride(assignment);
      context.setConfig(config);
      return command.execute(args, context);
    } catch (UsageException | ConfigException e) {
      err.println("error: " + e.getMessage());
      if (verbose) e.printStackTrace(err);
      return USAGE;
    } catch (Throwable e) {
      err.println("error: " + oneLineCause(e));
      if (verbose) e.printStackTrace(err);
      else err.println("(run again with --verbose for the stack trace)");
      return FAILURE;
    }
  }

  /**
   * Spark logs a failed task with its whole stack trace; the pipeline reports every failure in one
   * line itself, so Spark's own log stays off unless {@code --verbose} asks for the details.
   */
  private static void quietSparkLogsUnless(boolean verbose) {
    org.apache.logging.log4j.Level level = verbose ? org.apache.logging.log4j.Level.WARN : org.apache.logging.log4j.Level.OFF;
    for (String logger : List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop", "org.apache.parquet")) {
      org.apache.logging.log4j.core.config.Configurator.setLevel(logger, level);
    }
  }

  /** The innermost message that says something, on one line. */
  static String oneLineCause(Throwable e) {
    Throwable shown = e;
    if (!(e instanceof MissingOutputException)) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t.getMessage() != null && !t.getMessage().isBlank()) shown = t;
        if (isOurs(t)) {
          shown = t;
          break;
        }
      }
    }
    String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
    String first = message.lines().findFirst().orElse(message);
    return isOurs(shown) ? first : shown.getClass().getSimpleName() + ": " + first;
  }

  private static boolean isOurs(Throwable t) {
    return t.getClass().getName().startsWith("org.oasst.");
  }

  private static void printOverview(Map<String, Command> commands, PrintStream s) {
    s.println("oasst-pipeline " + Versions.product() + ": OpenAssistant Conversations analytics and training data on Spark");
    s.println();
    s.println("usage: oasst-pipeline <command> [options]      (oasst-pipeline <command> --help for its options)");
    s.println();
    for (Command c : commands.values()) s.printf("  %-9s %s%n", c.name(), c.summary());
    s.println();
    s.println("Exit codes: 0 success, 1 failure, 2 bad usage.");
  }

  private static void printHelp(Command command, List<Option> options, PrintStream s) {
    s.println("usage: oasst-pipeline " + command.name() + " " + command.usage());
    s.println();
    s.println(command.summary());
    s.println();
    for (Option o : options) {
      String left = "--" + o.name() + (o.takesValue() ? " " + o.valueName() + (o.repeatable() ? "..." : "") : "");
      s.printf("  %-28s %s%n", left, o.help());
    }
  }
}
