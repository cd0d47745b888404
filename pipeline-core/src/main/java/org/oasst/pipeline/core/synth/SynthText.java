package org.oasst.pipeline.core.synth;

import java.util.SplittableRandom;

/**
 * Message texts: words of the message's language, sentences and paragraphs, lengths log-normal
 * (assistant median ~570 characters, prompts shorter), with toxic words at a rate that rises with the
 * hidden toxicity and occasional quotes, backslashes, emoji, tabs and newlines.
 */
final class SynthText {
  private SynthText() {}

  static final double ASSISTANT_MEDIAN_CHARS = 570;
  static final double ROOT_PROMPT_MEDIAN_CHARS = 140;
  static final double PROMPTER_REPLY_MEDIAN_CHARS = 100;

  /** Probability that a word is a toxic stand-in, given the hidden toxicity. */
  static double toxicWordRate(double toxicity) {
    return 0.002 + 0.25 * toxicity * toxicity;
  }

  static String text(SynthNode n, SplittableRandom r) {
    double median =
        n.assistant
            ? ASSISTANT_MEDIAN_CHARS
            : n.parentId == null ? ROOT_PROMPT_MEDIAN_CHARS : PROMPTER_REPLY_MEDIAN_CHARS;
    double sigma = n.assistant ? 0.85 : 0.9;
    int target = (int) (median * StrictMath.exp(sigma * SyntheticGenerator.gauss(r)));
    target = Math.max(4, Math.min(target, 12_000));

    String[] words = SynthVocabulary.words(n.lang);
    boolean spaced = !SynthVocabulary.noSpaces(n.lang);
    boolean cjk = n.lang.equals("zh") || n.lang.equals("ja");
    double toxicRate = toxicWordRate(n.hiddenToxicity);
    String[] toxic = SynthVocabulary.TOXIC[n.hiddenFlavor];

    StringBuilder sb = new StringBuilder(target + 64);
    int wordsInSentence = 0;
    int sentenceLength = 5 + r.nextInt(12);
    int sentencesInParagraph = 0;
    boolean sentenceStart = true;
    while (sb.length() < target) {
      if (!sentenceStart && spaced) sb.append(' ');
      double u = r.nextDouble();
      String w;
      if (u < toxicRate) {
        w = toxic[r.nextInt(toxic.length)];
        if (!spaced) sb.append(' ');
      } else if (u > 0.992) {
        w = SynthVocabulary.SPICE[r.nextInt(SynthVocabulary.SPICE.length)];
      } else {
        w = words[r.nextInt(words.length)];
      }
      if (sentenceStart && spaced && Character.isLowerCase(w.charAt(0))) {
        sb.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
      } else {
        sb.append(w);
      }
      if (!spaced && u < toxicRate) sb.append(' ');
      sentenceStart = false;
      if (++wordsInSentence >= sentenceLength) {
        boolean question = !n.assistant && r.nextDouble() < 0.6;
        sb.append(cjk ? (question ? "？" : "。") : question ? "?" : r.nextDouble() < 0.05 ? "!" : ".");
        wordsInSentence = 0;
        sentenceLength = 5 + r.nextInt(12);
        sentenceStart = true;
        if (sb.length() >= target) break;
        if (n.assistant && ++sentencesInParagraph >= 3 + r.nextInt(3)) {
          sentencesInParagraph = 0;
          sb.append(r.nextDouble() < 0.2 ? "\n\n1. " : "\n\n");
        } else if (spaced || n.lang.equals("th")) {
          sb.append(' ');
        }
      }
    }
    if (!sentenceStart) sb.append(cjk ? "。" : n.assistant ? "." : "?");
    return sb.toString();
  }
}
