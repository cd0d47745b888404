package org.oasst.pipeline.toxicity.scorer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The one tokenizer of the scorer, used both to train the word vectors and to score text. */
public final class TextTokens {
  private TextTokens() {}

  /** Long texts are cut: the first tokens carry enough signal and training time stays bounded. */
  public static final int MAX_TOKENS = 400;

  private static final Pattern SPLIT = Pattern.compile("[^\\p{L}\\p{N}]+");

  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) return out;
    for (String t : SPLIT.split(text.toLowerCase(Locale.ROOT))) {
      if (t.isEmpty()) continue;
      out.add(t);
      if (out.size() >= MAX_TOKENS) break;
    }
    return out;
  }

  /** Tokens joined by single spaces, the form DL4J's whitespace tokenizer splits back exactly. */
  public static String sentence(String text) {
    return String.join(" ", tokens(text));
  }
}
