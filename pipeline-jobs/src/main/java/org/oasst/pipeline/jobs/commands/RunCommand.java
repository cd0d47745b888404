package org.oasst.pipeline.jobs.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.jobs.cli.Args;
import org.oasst.pipeline.jobs.cli.Command;
import org.oasst.pipeline.jobs.cli.JobContext;
import org.oasst.pipeline.jobs.cli.Option;
import org.oasst.pipeline.jobs.cli.UsageException;

/** The whole pipeline: ingest, trees, analyses, toxicity, datasets; on synthetic input by default. */
public final class RunCommand implements Command {
  static final List<String> STAGES = List.of("ingest", "trees", "analyze", "toxicity", "build");
  static final String DEFAULT_OUTPUT = "oasst-output";
  static final long DEFAULT_SYNTHETIC_TREES = 3000;

  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "the whole pipeline (without --input: on a synthetic input made on the fly)";
  }

  @Override
  public String usage() {
    return "[--input PATH...] [--output DIR] [--config FILE] [--compat reference] [--skip STAGE,...]";
  }

  @Override
  public List<Option> options() {
    List<Option> options = new ArrayList<>(IngestCommand.INPUT_OPTIONS);
    options.add(Option.value("output", "DIR", "the output folder (default ./" + DEFAULT_OUTPUT + ")"));
    options.add(Option.value("synthetic-trees", "N", "trees of the synthetic input when no --input is given (default " + DEFAULT_SYNTHETIC_TREES + ")"));
    options.add(Option.flag("threads", "also write tables/threads"));
    options.add(Option.values("skip", "STAGE", "stages to leave out: trees, analyze, toxicity, build"));
    options.addAll(ToxicityCommand.OPTIONS);
    options.addAll(BuildCommand.OPTIONS);
    return options;
  }

  @Override
  public int execute(Args args, JobContext context) {
    String dir = args.get("output", DEFAULT_OUTPUT);
    Set<String> skip = Set.copyOf(JobContext.splitCsv(args.all("skip")));
    for (String s : skip) {
      if (!STAGES.contains(s) || s.equals("ingest")) {
        throw new UsageException("--skip takes trees, analyze, toxicity or build, got '" + s + "'");
      }
    }
    IngestCommand.applyInputFlags(args, context);
    ToxicityCommand.applyToxicityFlags(args, context);
    BuildCommand.applyBuildFlags(args, context);
    if (args.has("threads")) context.setConfig(context.config().with("trees.threads", true));

    OutputStore store = context.store(dir);
    List<String> inputs = args.all("input");
    if (inputs.isEmpty()) {
      long trees = args.getLong("synthetic-trees", DEFAULT_SYNTHETIC_TREES);
      inputs = List.of(DefaultInput.synthesize(context, store, trees));
    }
    Stages.ingest(context, store, inputs);
    if (!skip.contains("trees")) Stages.trees(context, store);
    if (!skip.contains("analyze")) Stages.analyze(context, store);
    if (!skip.contains("toxicity")) Stages.toxicity(context, store);
    if (!skip.contains("build")) Stages.build(context, store);
    printSummary(context, store);
    return 0;
  }

  private static void printSummary(JobContext context, OutputStore store) {
    var out = context.out();
    out.printf("%noasst-pipeline finished in %.1f s. Outputs in %s%n%n", context.elapsedSeconds(), store.root());
    out.printf("%-44s %12s%n", "output", "rows");
    for (Map.Entry<String, Map<String, Object>> e : store.outputs().entrySet()) {
      if (store.exists(e.getKey())) out.printf("%-44s %,12d%n", e.getKey(), ((Number) e.getValue().get("rows")).longValue());
    }
    if (store.exists("analysis/composition")) {
      out.println();
      out.println("Dataset composition (analysis/composition):");
      out.println(store.read("analysis/composition").showString(60, 40, false));
    }
    out.println("manifest:  " + store.path(OutputStore.MANIFEST));
    out.println("query it:  bin/oasst-pipeline sql --output " + store.root() + " \"SELECT lang, count(*) n FROM messages GROUP BY lang ORDER BY n DESC\"");
  }
}
