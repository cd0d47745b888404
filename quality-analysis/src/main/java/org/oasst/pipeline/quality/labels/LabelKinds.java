package org.oasst.pipeline.quality.labels;

import java.util.Map;

/** The label kinds of reference section 3; exported values of all of them lie on 0..1. */
public final class LabelKinds {
  private LabelKinds() {}

  private static final Map<String, String> KIND =
      Map.ofEntries(
          Map.entry("spam", "yes_no"),
          Map.entry("fails_task", "yes_no"),
          Map.entry("lang_mismatch", "flag"),
          Map.entry("pii", "flag"),
          Map.entry("not_appropriate", "flag"),
          Map.entry("hate_speech", "flag"),
          Map.entry("sexual_content", "flag"),
          Map.entry("moral_judgement", "flag"),
          Map.entry("political_content", "flag"),
          Map.entry("quality", "likert"),
          Map.entry("toxicity", "likert"),
          Map.entry("humor", "likert"),
          Map.entry("creativity", "likert"),
          Map.entry("violence", "likert"),
          Map.entry("helpfulness", "likert"));

  /** yes_no, flag, likert, or unknown for a label the reference does not list. */
  public static String kindOf(String name) {
    return KIND.getOrDefault(name, "unknown");
  }
}
