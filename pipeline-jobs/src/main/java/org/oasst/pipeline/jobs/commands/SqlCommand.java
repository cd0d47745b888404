package org.oasst.pipeline.jobs.commands;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.Command;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;

/** Ad-hoc SQL over a finished output folder: every output of the manifest is a table. */
public final class SqlCommand implements Command {
  @Override
  public String name() {
    return "sql";
  }

  @Override
  public String summary() {
    return "run a SQL statement over the outputs (each output is a table: messages, labels, trees, sft_train, ...)";
  }

  @Override
  public String usage() {
    return "--output DIR [--format table|csv|json] [--limit N] \"SELECT ...\"";
  }

  @Override
  public List<Option> options() {
    return List.of(
        Option.value("output", "DIR", "a folder written by run or a stage"),
        Option.value("format", "FORMAT", "table (default), csv or json, printed to stdout"),
        Option.value("limit", "N", "rows to print with --format table (default 50)"),
        Option.flag("tables", "list the tables and exit"));
  }

  @Override
  public int execute(Args args, JobContext context) {
    String dir = args.require("output");
    String format = args.get("format", "table");
    if (!List.of("table", "csv", "json").contains(format)) {
      throw new UsageException("--format must be table, csv or json, got '" + format + "'");
    }
    if (!args.has("tables") && args.positional().size() != 1) {
      throw new UsageException("give exactly one SQL statement, quoted");
    }
    OutputStore store = new OutputStore(context.spark(), dir);
    if (!store.exists(OutputStore.MANIFEST)) {
      throw new UsageException(dir + " holds no manifest.json: not an output folder of oasst-pipeline");
    }
    Map<String, String> views = register(context.spark(), store);
    if (args.has("tables")) {
      views.forEach((view, path) -> context.out().printf("%-32s %s%n", view, path));
      return 0;
    }
    Dataset<Row> result = context.spark().sql(args.positional().get(0));
    switch (format) {
      case "csv" -> printDelimited(result, context);
      case "json" -> result.toJSON().toLocalIterator().forEachRemaining(context.out()::println);
      default -> context.out().println(result.showString((int) args.getLong("limit", 50), 60, false));
    }
    return 0;
  }

  /**
   * Registers each output under its short name (its last path part, or {@code name_split} for
   * datasets) when that is unambiguous, and always under its full path with '/' as '_'.
   */
  static Map<String, String> register(SparkSession spark, OutputStore store) {
    Map<String, String> views = new TreeMap<>();
    Map<String, Integer> shortNameUses = new HashMap<>();
    List<String> paths = new ArrayList<>(store.outputs().keySet());
    paths.removeIf(p -> !store.exists(p));
    for (String p : paths) shortNameUses.merge(shortName(p), 1, Integer::sum);
    for (String p : paths) {
      Dataset<Row> table = spark.read().parquet(store.path(p));
      String full = p.replaceAll("[^A-Za-z0-9_]", "_");
      table.createOrReplaceTempView(full);
      views.put(full, p);
      String shortName = shortName(p);
      if (shortNameUses.get(shortName) == 1 && !shortName.equals(full)) {
        table.createOrReplaceTempView(shortName);
        views.put(shortName, p);
      }
    }
    return views;
  }

  static String shortName(String path) {
    String[] parts = path.split("/");
    String name = parts.length >= 3 && parts[0].equals("datasets")
        ? parts[parts.length - 2] + "_" + parts[parts.length - 1]
        : parts[parts.length - 1];
    return name.replaceAll("[^A-Za-z0-9_]", "_");
  }

  private static void printDelimited(Dataset<Row> result, JobContext context) {
    String[] names = result.columns();
    context.out().println(String.join(",", quoteAll(names)));
    result.toLocalIterator()
        .forEachRemaining(
            row -> {
              String[] cells = new String[names.length];
              for (int i = 0; i < names.length; i++) cells[i] = row.isNullAt(i) ? "" : String.valueOf(row.get(i));
              context.out().println(String.join(",", quoteAll(cells)));
            });
  }

  private static String[] quoteAll(String[] cells) {
    String[] out = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      String c = cells[i];
      boolean needs = c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r");
      out[i] = needs ? "\"" + c.replace("\"", "\"\"") + "\"" : c;
    }
    return out;
  }
}
