package org.oasst.pipeline.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The README.md of one dataset: a Hugging Face YAML header (configs, splits, features, license) and
 * a plain-words body (counts, languages, selection, leakage report, provenance, how to load). Pure:
 * everything it shows is passed in.
 */
public final class DatasetCard {
  private DatasetCard() {}

  /** What the card reports; built by the stage. */
  public record Facts(
      String name,
      StructType schema,
      Map<String, Long> rowsPerSplit,
      Map<String, Long> languages,
      DatasetOptions options,
      long exactDuplicateTrees,
      long exactDuplicateRowsDropped,
      long nearDuplicatePairs,
      List<String[]> nearDuplicateExamples,
      String inputFingerprint,
      Long inputRows,
      long malformedTreesSkipped) {}

  private static final Map<String, String> DESCRIPTIONS =
      Map.of(
          "sft", "Supervised fine-tuning conversations: one example per thread that ends with an assistant reply no kept thread continues.",
          "rm_ranked", "Reward-model examples: a conversation ending with a prompter message, plus its ranked assistant replies, best first.",
          "rm_pairs", "Preference pairs: the conversation so far (prompt), a better (chosen) and a worse (rejected) ranked reply to the same message.",
          "rl_prompts", "RL prompts: every conversation prefix that ends with a prompter message.");

  public static String description(String name) {
    Integer k = DatasetOptions.topKOf(name);
    if (k != null) {
      return "Supervised fine-tuning conversations restricted to the top " + k
          + " ranked assistant replies at every assistant turn.";
    }
    return DESCRIPTIONS.get(name);
  }

  public static String render(Facts f) {
    StringBuilder s = new StringBuilder();
    s.append("---\n");
    s.append("license: ").append(f.options().license).append('\n');
    if (!f.languages().isEmpty()) {
      s.append("language:\n");
      for (String lang : new TreeMap<>(f.languages()).keySet()) s.append("- ").append(yamlString(lang)).append('\n');
    }
    s.append("task_categories:\n- text-generation\n");
    s.append("pretty_name: OASST ").append(f.name()).append('\n');
    s.append("configs:\n- config_name: default\n  data_files:\n");
    for (String split : f.rowsPerSplit().keySet()) {
      s.append("  - split: ").append(split).append("\n    path: ").append(split).append("/*.parquet\n");
    }
    s.append("dataset_info:\n  features:\n");
    for (StructField field : f.schema().fields()) feature(s, field, "  ");
    s.append("  splits:\n");
    for (Map.Entry<String, Long> e : f.rowsPerSplit().entrySet()) {
      s.append("  - name: ").append(e.getKey()).append("\n    num_examples: ").append(e.getValue()).append('\n');
    }
    s.append("---\n\n");

    s.append("# OASST ").append(f.name()).append("\n\n");
    s.append(description(f.name())).append("\n\n");
    s.append("Built by oasst-pipeline from OpenAssistant Conversations (OASST) data, in **")
        .append(f.options().compat == DatasetOptions.Compat.REFERENCE ? "reference" : "corrected")
        .append("** mode")
        .append(
            f.options().compat == DatasetOptions.Compat.REFERENCE
                ? " (the original training code's selection, quirks included)."
                : " (the default: stricter than the original training code; see the selection below).")
        .append("\n\n");

    s.append("## Rows\n\n| split | rows |\n|---|---|\n");
    long total = 0;
    for (Map.Entry<String, Long> e : f.rowsPerSplit().entrySet()) {
      s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
      total += e.getValue();
    }
    s.append("| total | ").append(total).append(" |\n\n");

    s.append("## Languages\n\nLanguage of the conversation's initial prompt.\n\n| language | rows | share |\n|---|---|---|\n");
    List<Map.Entry<String, Long>> langs = new ArrayList<>(f.languages().entrySet());
    langs.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()));
    for (Map.Entry<String, Long> e : langs) {
      s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" | ")
          .append(total == 0 ? "0" : String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / total)).append(" |\n");
    }
    s.append('\n');

    s.append("## Selection\n\n| setting | value |\n|---|---|\n");
    for (Map.Entry<String, Object> e : f.options().selectionSummary().entrySet()) {
      s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
    }
    s.append("\nSplits are by tree: a tree's split comes from SHA-256 of `<seed>:<message_tree_id>`, so no tree is in two splits and a tree keeps its split when data is added.\n\n");

    s.append("## Leakage between splits\n\n");
    s.append("- Trees whose normalized initial prompt (lower case, whitespace collapsed) already occurs in an earlier split: ")
        .append(f.exactDuplicateTrees())
        .append(f.options().dropExactDuplicates
            ? "; they were dropped from the later split (" + f.exactDuplicateRowsDropped() + " rows of this dataset)."
            : "; kept (dropping is off in this run, " + f.exactDuplicateRowsDropped() + " rows of this dataset are affected).")
        .append('\n');
    if (f.options().nearDuplicates) {
      s.append("- Near-duplicate prompt pairs across splits (MinHash LSH, character ")
          .append(f.options().shingleSize).append("-shingles, Jaccard similarity >= ")
          .append(f.options().nearDuplicateThreshold).append("): ").append(f.nearDuplicatePairs())
          .append(" (reported, not removed; all pairs in `datasets/_leakage/near_duplicate_prompts`).\n");
      if (!f.nearDuplicateExamples().isEmpty()) {
        s.append("\n| similarity | split | prompt | split | prompt |\n|---|---|---|---|---|\n");
        for (String[] r : f.nearDuplicateExamples()) {
          s.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(cell(r[2]))
              .append(" | ").append(r[3]).append(" | ").append(cell(r[4])).append(" |\n");
        }
      }
    } else {
      s.append("- Near-duplicate search was switched off.\n");
    }
    s.append('\n');

    s.append("## Provenance\n\n");
    s.append("- Input `tables/messages`: ")
        .append(f.inputRows() == null ? "row count not in the manifest" : f.inputRows() + " rows")
        .append(", fingerprint ")
        .append(f.inputFingerprint() == null ? "not available" : "`" + f.inputFingerprint() + "`")
        .append(".\n");
    if (f.malformedTreesSkipped() > 0) {
      s.append("- Malformed trees skipped: ").append(f.malformedTreesSkipped()).append(".\n");
    }
    s.append("- Row fingerprints of every split are in the output folder's `manifest.json`.\n\n");

    s.append("## How to load\n\n");
    s.append("```python\nfrom datasets import load_dataset\nds = load_dataset(\"parquet\", data_files={");
    List<String> files = new ArrayList<>();
    for (String split : f.rowsPerSplit().keySet()) files.add("\"" + split + "\": \"" + split + "/*.parquet\"");
    s.append(String.join(", ", files)).append("})\n```\n\n");
    s.append("```python\nimport pandas as pd  # needs pyarrow\ntrain = pd.read_parquet(\"train\")\n```\n\n");
    s.append("```scala\nval train = spark.read.parquet(\"datasets/").append(f.name()).append("/train\")\n```\n");
    return s.toString();
  }

  private static String cell(String text) {
    String t = text == null ? "" : text.replaceAll("\\s+", " ").replace("|", "\\|");
    return t.length() > 80 ? t.substring(0, 77) + "..." : t;
  }

  private static String yamlString(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private static void feature(StringBuilder s, StructField field, String indent) {
    s.append(indent).append("- name: ").append(field.name()).append('\n');
    type(s, field.dataType(), indent + "  ");
  }

  private static void type(StringBuilder s, DataType t, String indent) {
    if (t instanceof StructType) {
      s.append(indent).append("struct:\n");
      for (StructField f : ((StructType) t).fields()) feature(s, f, indent);
    } else if (t instanceof ArrayType) {
      DataType element = ((ArrayType) t).elementType();
      if (element instanceof StructType) {
        s.append(indent).append("list:\n");
        for (StructField f : ((StructType) element).fields()) feature(s, f, indent);
      } else if (element instanceof ArrayType) {
        s.append(indent).append("sequence:\n");
        type(s, element, indent + "  ");
      } else {
        s.append(indent).append("sequence: ").append(dtype(element)).append('\n');
      }
    } else {
      s.append(indent).append("dtype: ").append(dtype(t)).append('\n');
    }
  }

  private static String dtype(DataType t) {
    if (t instanceof StringType) return "string";
    if (t instanceof IntegerType) return "int32";
    if (t instanceof LongType) return "int64";
    if (t instanceof DoubleType) return "float64";
    if (t instanceof BooleanType) return "bool";
    throw new IllegalArgumentException("no dataset-card type for " + t);
  }
}
