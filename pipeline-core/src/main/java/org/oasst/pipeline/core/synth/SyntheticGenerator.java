package org.oasst.pipeline.core.synth;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates OASST-shaped conversation trees. Tree {@code i} is a pure function of (seed, i, total
 * tree count, unknown-keys switch): generation can be split over tasks or threads in any way and
 * gives the same trees. Nothing is kept between trees, so memory does not grow with the input.
 *
 * <p>Determinism across machines: all randomness comes from {@link SplittableRandom} (a specified
 * algorithm) and all transcendental functions from {@link StrictMath}, never from {@code Math}
 * (whose intrinsics may differ in the last bit between JVMs).
 *
 * <p>Each message has a hidden toxicity and quality. Human labels, Detoxify scores, the words of
 * the text, emojis and deletion are all drawn from them with noise, so that the analyses downstream
 * find real (if synthetic) correlations. The distributions and their sources are in docs/synth.md.
 */
public final class SyntheticGenerator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Tree states with their share of trees (OASST1 all export; see docs/synth.md). */
  static final String[] STATES = {
    "prompt_lottery_waiting",
    "ready_for_export",
    "aborted_low_grade",
    "growing",
    "halted_by_moderator",
    "initial_prompt_review",
    "backlog_ranking",
    "ranking",
    "ready_for_scoring",
    "scoring_failed"
  };

  static final double[] STATE_WEIGHTS = {
    0.780, 0.165, 0.020, 0.013, 0.007, 0.007, 0.004, 0.002, 0.001, 0.001
  };

  /** Tree manager parameters as deployed (reference 4.3). */
  static final int MAX_DEPTH = 5;

  static final int MAX_CHILDREN = 3;

  /** 2022-12-20T00:00:00Z: collection start, in microseconds. */
  static final long START_MICROS = 1_671_494_400_000_000L;

  static final long SPAN_MICROS = 330L * 86_400_000_000L;
  static final double MEAN_REPLY_DELAY_MICROS = 20.0 * 3_600_000_000.0;

  private static final String[] PROMPTER_LABELS = {
    "spam", "lang_mismatch", "pii", "not_appropriate", "hate_speech", "sexual_content", "quality",
    "toxicity", "humor", "creativity", "violence"
  };
  private static final String[] ASSISTANT_LABELS = {
    "spam", "fails_task", "lang_mismatch", "pii", "not_appropriate", "hate_speech", "sexual_content",
    "quality", "toxicity", "humor", "helpfulness", "creativity", "violence"
  };

  private final long seed;
  private final long totalTrees;
  private final long userPool;
  private final boolean unknownKeys;
  private final double[] stateCdf = cdf(STATE_WEIGHTS);
  private final double[] langCdf = cdf(SynthVocabulary.LANG_WEIGHTS);

  public SyntheticGenerator(long seed, long totalTrees, boolean unknownKeys) {
    this.seed = seed;
    this.totalTrees = totalTrees;
    // OASST1: ~161k messages from ~13.5k contributors, ~12 messages each; with ~2.5 messages per
    // tree a pool of trees/4 users, sampled Zipf-like, gives a similar ratio of active users.
    this.userPool = Math.max(50L, totalTrees / 4);
    this.unknownKeys = unknownKeys;
  }

  public long seed() {
    return seed;
  }

  public long totalTrees() {
    return totalTrees;
  }

  /** Size of the contributor pool the user ids are drawn from. */
  public long userPool() {
    return userPool;
  }

  /** The tree with the given index, independent of every other tree. */
  public SynthTree generate(long treeIndex) {
    SplittableRandom r = new SplittableRandom(mix64(mix64(seed) ^ (treeIndex * 0x9E3779B97F4A7C15L)));
    String state = STATES[pick(stateCdf, r.nextDouble())];
    String lang = SynthVocabulary.LANGS[pick(langCdf, r.nextDouble())];
    int target = targetSize(state, r);

    List<SynthNode> nodes = new ArrayList<>(target);
    SynthNode root = new SynthNode();
    root.messageId = uuid(r.nextLong(), r.nextLong());
    root.createdMicros = START_MICROS + (long) (r.nextDouble() * SPAN_MICROS);
    root.lang = lang;
    nodes.add(root);
    growShape(nodes, target, r);

    boolean ranked = state.equals("ready_for_export");
    for (int i = 0; i < nodes.size(); i++) {
      fillMessage(nodes.get(i), i, nodes.size(), state, r);
    }
    applyDeletion(nodes, state, r);
    if (ranked) assignRanks(nodes, r);
    for (SynthNode n : nodes) {
      if (n.replies.size() > 1) n.replies.sort(BY_RANK_NULLS_LAST);
    }
    // drawn whether or not unknown keys are wanted: the switch must not change the content
    boolean treeUnknownKey = r.nextDouble() < 0.05 && unknownKeys;
    return new SynthTree(treeIndex, root.messageId, state, null, root, nodes.size(), treeUnknownKey);
  }

  private static final Comparator<SynthNode> BY_RANK_NULLS_LAST =
      Comparator.comparing(n -> n.rank, Comparator.nullsLast(Comparator.naturalOrder()));

  private static int targetSize(String state, SplittableRandom r) {
    switch (state) {
      case "prompt_lottery_waiting":
      case "aborted_low_grade":
      case "initial_prompt_review":
        return 1;
      case "growing":
        return 2 + r.nextInt(7);
      case "halted_by_moderator":
        return 1 + r.nextInt(6);
      default:
        // complete trees: goal size 12-15 minus rejected/never-grown branches; mean ~9.3
        return clamp((int) Math.round(9.3 + 3.2 * gauss(r)), 3, 20);
    }
  }

  /** Grows the tree as the tree manager does: alternate roles, depth <= 5, <= 3 children. */
  private void growShape(List<SynthNode> nodes, int target, SplittableRandom r) {
    SynthNode root = nodes.get(0);
    if (target > 1) {
      // the initial prompt first gets its assistant replies (usually 3, for ranking)
      int first = Math.min(target - 1, r.nextDouble() < 0.7 ? 3 : 2);
      for (int i = 0; i < first; i++) nodes.add(child(root, r));
    }
    while (nodes.size() < target) {
      SynthNode parent = null;
      for (int tries = 0; tries < 16 && parent == null; tries++) {
        SynthNode c = nodes.get(r.nextInt(nodes.size()));
        if (c.depth < MAX_DEPTH && c.replies.size() < MAX_CHILDREN) parent = c;
      }
      if (parent == null) {
        for (SynthNode c : nodes) {
          if (c.depth < MAX_DEPTH && c.replies.size() < MAX_CHILDREN) {
            parent = c;
            break;
          }
        }
      }
      if (parent == null) break;
      nodes.add(child(parent, r));
    }
  }

  private static SynthNode child(SynthNode parent, SplittableRandom r) {
    SynthNode c = new SynthNode();
    c.messageId = uuid(r.nextLong(), r.nextLong());
    c.parentId = parent.messageId;
    c.assistant = !parent.assistant;
    c.depth = parent.depth + 1;
    c.lang = parent.lang;
    double delay = 60_000_000.0 - MEAN_REPLY_DELAY_MICROS * StrictMath.log(1.0 - r.nextDouble());
    c.createdMicros = parent.createdMicros + (long) delay;
    parent.replies.add(c);
    return c;
  }

  private void fillMessage(SynthNode n, int order, int size, String state, SplittableRandom r) {
    long user = zipfUser(r);
    n.userId = userId(seed, user);
    boolean troll = isTroll(user);
    boolean toxic = r.nextDouble() < (troll ? 0.5 : 0.04);
    double u = r.nextDouble();
    n.hiddenToxicity = toxic ? 0.3 + 0.7 * u : 0.06 * u * u;
    n.hiddenFlavor = r.nextInt(4);
    n.synthetic =
        n.assistant && !state.equals("prompt_lottery_waiting") && r.nextDouble() < 0.08;
    if (n.synthetic) {
      n.modelName = SynthVocabulary.MODEL_NAMES[r.nextInt(SynthVocabulary.MODEL_NAMES.length)];
    }
    n.hiddenQuality =
        clamp01(0.62 + 0.18 * gauss(r) - 0.45 * n.hiddenToxicity - (n.synthetic ? 0.1 : 0.0));
    n.text = SynthText.text(n, r);

    // review_count: undecided prompts in initial review, the newest replies of growing trees
    boolean root = n.parentId == null;
    if (root && state.equals("initial_prompt_review")) {
      n.reviewCount = r.nextInt(3);
    } else if (state.equals("growing") && order >= size - 2) {
      n.reviewCount = r.nextInt(4);
    } else {
      double v = r.nextDouble();
      n.reviewCount = v < 0.80 ? 3 : v < 0.92 ? 4 : 5;
    }
    // the prompt of a tree that got past initial review was accepted; an aborted one was not
    // (unless it was aborted by red flags, which then show in its emojis)
    int require = 0;
    boolean redFlagAbort = false;
    if (root && state.equals("aborted_low_grade")) {
      redFlagAbort = r.nextDouble() < 0.15;
      require = redFlagAbort ? 1 : -1;
    } else if (root
        && !state.equals("initial_prompt_review")
        && !state.equals("halted_by_moderator")) {
      require = 1;
    }
    fillLabels(n, require, r);
    fillDetoxify(n, r);
    fillEmojis(n, redFlagAbort, state, r);
    n.unknownKey = r.nextDouble() < 0.02 && unknownKeys; // drawn either way, as above
  }

  private void fillLabels(SynthNode n, int requireAccepted, SplittableRandom r) {
    int k = n.reviewCount;
    if (k == 0) {
      n.reviewResult = null;
      return;
    }
    double t = n.hiddenToxicity;
    int fl = n.hiddenFlavor;
    double q = n.hiddenQuality;
    int full = 0;
    for (int i = 0; i < k; i++) if (r.nextDouble() < 0.65) full++;
    if (full == 0) full = 1;

    // spam and lang_mismatch decide acceptance (reference 4.1): every review carries both
    double pSpam = 0.02 + 0.3 * t;
    int spamVotes = 0;
    int lmVotes = 0;
    for (int attempt = 0; ; attempt++) {
      spamVotes = binomial(k, pSpam, r);
      lmVotes = binomial(k, 0.01, r);
      boolean accepted = accepted(spamVotes, lmVotes, k);
      if (requireAccepted == 0 || (requireAccepted > 0) == accepted) break;
      if (attempt >= 8) {
        lmVotes = 0;
        spamVotes = requireAccepted > 0 ? 0 : (int) Math.ceil(0.4 * k);
        break;
      }
    }
    n.reviewResult = k >= 3 ? accepted(spamVotes, lmVotes, k) : null;

    String[] names = n.assistant ? ASSISTANT_LABELS : PROMPTER_LABELS;
    double[] values = new double[names.length];
    int[] counts = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      switch (names[i]) {
        case "spam":
          counts[i] = k;
          values[i] = spamVotes / (double) k;
          break;
        case "lang_mismatch":
          counts[i] = k;
          values[i] = lmVotes / (double) k;
          break;
        case "quality":
          counts[i] = k;
          values[i] = likert(q, 0.2, k, r);
          break;
        case "fails_task":
          counts[i] = full;
          values[i] = binomial(full, 0.05 + 0.4 * (1 - q), r) / (double) full;
          break;
        case "pii":
          counts[i] = full;
          values[i] = binomial(full, 0.004, r) / (double) full;
          break;
        case "not_appropriate":
          counts[i] = full;
          values[i] = binomial(full, 0.01 + 0.6 * t, r) / (double) full;
          break;
        case "hate_speech":
          counts[i] = full;
          values[i] = binomial(full, 0.005 + (fl == 1 ? 0.8 : 0.08) * t, r) / (double) full;
          break;
        case "sexual_content":
          counts[i] = full;
          values[i] = binomial(full, 0.005 + (fl == 2 ? 0.8 : 0.05) * t, r) / (double) full;
          break;
        case "toxicity":
          counts[i] = full;
          values[i] = likert(1.1 * t, 0.15, full, r);
          break;
        case "violence":
          counts[i] = full;
          values[i] = likert((fl == 3 ? 0.9 : 0.12) * t, 0.12, full, r);
          break;
        case "humor":
          counts[i] = full;
          values[i] = likert(0.2, 0.25, full, r);
          break;
        case "creativity":
          counts[i] = full;
          values[i] = likert(0.25 + 0.3 * q, 0.25, full, r);
          break;
        case "helpfulness":
          counts[i] = full;
          values[i] = likert(q, 0.2, full, r);
          break;
        default:
          throw new IllegalStateException("no rule for label " + names[i]);
      }
    }
    n.labelNames = names;
    n.labelValues = values;
    n.labelCounts = counts;
  }

  /** Acceptance rule of reference 4.1: 1 - (mean spam + mean lang_mismatch) > 0.6. */
  static boolean accepted(int spamVotes, int langMismatchVotes, int reviews) {
    double score = 1.0 - (spamVotes / (double) reviews + langMismatchVotes / (double) reviews);
    return score > 0.6;
  }

  private static final double[] DETOX_SCALE_GENERIC = {1.0, 0.015, 0.35, 0.08, 0.40, 0.04, 0.05};

  private void fillDetoxify(SynthNode n, SplittableRandom r) {
    if (r.nextDouble() >= 0.9) return; // Detoxify scores are missing for some messages
    double t = n.hiddenToxicity;
    double tox = clamp(StrictMath.exp(-6.2 + 5.0 * t + 0.8 * gauss(r)), 0.00005, 0.9995);
    double[] d = new double[7];
    d[0] = tox;
    for (int i = 1; i < 7; i++) {
      double scale = DETOX_SCALE_GENERIC[i];
      int fl = n.hiddenFlavor;
      if ((i == 4 && fl == 0) || (i == 3 && fl == 1) || (i == 5 && fl == 3)) scale = 0.75;
      if ((i == 2 || i == 6) && fl == 2) scale = 0.65;
      d[i] = clamp(tox * scale * StrictMath.exp(0.5 * gauss(r)), 0.00001, 0.999);
    }
    n.detoxify = d;
  }

  private static final String[] EMOJI_ORDER = {
    "+1", "-1", "red_flag", "_skip_reply", "_skip_labeling", "_skip_ranking"
  };

  private void fillEmojis(SynthNode n, boolean redFlagAbort, String state, SplittableRandom r) {
    double t = n.hiddenToxicity;
    int[] c = new int[6];
    c[0] = poisson(1.1 * n.hiddenQuality * (1 - t), r);
    c[1] = poisson(0.15 + 1.5 * t, r);
    c[2] = redFlagAbort ? 4 + r.nextInt(3) : poisson(0.01 + 1.2 * t * t, r);
    if (!n.assistant) {
      c[3] = state.equals("halted_by_moderator") && n.parentId == null && r.nextDouble() < 0.3
          ? 25 + r.nextInt(6)
          : poisson(0.6, r);
    }
    c[4] = poisson(0.4, r);
    if (n.assistant) c[5] = poisson(0.15, r);
    // the exports sometimes list an emoji with count 0 (a reaction that was taken back)
    boolean zeroRedFlag = c[2] == 0 && r.nextDouble() < 0.01;
    int present = 0;
    for (int i = 0; i < 6; i++) if (c[i] > 0 || (i == 2 && zeroRedFlag)) present++;
    if (present == 0) return;
    n.emojiNames = new String[present];
    n.emojiCounts = new int[present];
    int j = 0;
    for (int i = 0; i < 6; i++) {
      if (c[i] > 0 || (i == 2 && zeroRedFlag)) {
        n.emojiNames[j] = EMOJI_ORDER[i];
        n.emojiCounts[j] = c[i];
        j++;
      }
    }
  }

  /** Deletion rises with toxicity and is inherited: nodes come parents first. */
  private static void applyDeletion(List<SynthNode> nodes, String state, SplittableRandom r) {
    SynthNode root = nodes.get(0);
    boolean halted = state.equals("halted_by_moderator");
    for (SynthNode n : nodes) {
      double t = n.hiddenToxicity;
      double p = 0.008 + 0.45 * t * t;
      if (halted && n == root) p = 0.5;
      boolean own = r.nextDouble() < p;
      if (own || n.deleted) {
        n.deleted = true;
        for (SynthNode c : n.replies) c.deleted = true;
      }
    }
  }

  /** Ranks 0..k-1 among the accepted, non-deleted assistant replies of each prompter message. */
  private static void assignRanks(List<SynthNode> nodes, SplittableRandom r) {
    List<SynthNode> candidates = new ArrayList<>(3);
    for (SynthNode n : nodes) {
      if (n.assistant || n.replies.size() < 2) continue;
      candidates.clear();
      for (SynthNode c : n.replies) {
        if (!c.deleted && !Boolean.FALSE.equals(c.reviewResult)) candidates.add(c);
      }
      if (candidates.size() < 2) continue;
      double[] score = new double[candidates.size()];
      for (int i = 0; i < score.length; i++) {
        score[i] = candidates.get(i).hiddenQuality + 0.15 * gauss(r);
      }
      // selection by score, descending; ties keep reply order
      boolean[] taken = new boolean[score.length];
      for (int rank = 0; rank < score.length; rank++) {
        int best = -1;
        for (int i = 0; i < score.length; i++) {
          if (!taken[i] && (best < 0 || score[i] > score[best])) best = i;
        }
        taken[best] = true;
        candidates.get(best).rank = rank;
      }
    }
  }

  private long zipfUser(SplittableRandom r) {
    // continuous Zipf-Mandelbrot (s = 1, q = 3): P(k) ~ 1/(k+3); a few power users write much of
    // the data (the top 1% of the pool about 40% of the messages)
    double u = r.nextDouble();
    long k = (long) (StrictMath.pow(userPool + 3.0, u) * StrictMath.pow(3.0, 1 - u)) - 3;
    return Math.min(Math.max(k, 0), userPool - 1);
  }

  private boolean isTroll(long user) {
    return (mix64(seed ^ 0x7A11_7A11_7A11L ^ (user * 0xD1B54A32D192ED03L)) & 0xFFFF) < 0.03 * 65536;
  }

  /** The user id of the pool's {@code userIndex}-th contributor (0 writes the most). */
  public static String userId(long seed, long userIndex) {
    long hi = mix64(mix64(seed ^ 0x5EED_0F_05E25L) + userIndex * 0x9E3779B97F4A7C15L);
    long lo = mix64(hi ^ 0xC2B2AE3D27D4EB4FL);
    return uuid(hi, lo);
  }

  // ---- small numeric helpers -------------------------------------------------------------

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** A version-4 style UUID string from 128 random bits. */
  static String uuid(long hi, long lo) {
    hi = (hi & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L;
    lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    char[] c = new char[36];
    int p = 0;
    for (int i = 60; i >= 0; i -= 4) {
      if (p == 8 || p == 13) c[p++] = '-';
      c[p++] = HEX[(int) (hi >>> i) & 0xF];
    }
    for (int i = 60; i >= 0; i -= 4) {
      if (p == 18 || p == 23) c[p++] = '-';
      c[p++] = HEX[(int) (lo >>> i) & 0xF];
    }
    return new String(c);
  }

  private static double[] cdf(double[] weights) {
    double[] c = new double[weights.length];
    double sum = 0;
    for (double w : weights) sum += w;
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i] / sum;
      c[i] = acc;
    }
    c[c.length - 1] = 1.0;
    return c;
  }

  private static int pick(double[] cdf, double u) {
    for (int i = 0; i < cdf.length; i++) if (u < cdf[i]) return i;
    return cdf.length - 1;
  }

  /** Approximately standard normal (Irwin-Hall of 4 uniforms): cheap and exactly reproducible. */
  static double gauss(SplittableRandom r) {
    return (r.nextDouble() + r.nextDouble() + r.nextDouble() + r.nextDouble() - 2.0) * 1.7320508075688772;
  }

  private static int binomial(int n, double p, SplittableRandom r) {
    int k = 0;
    for (int i = 0; i < n; i++) if (r.nextDouble() < p) k++;
    return k;
  }

  /** Mean of k votes on the 5-step Likert scale 0, .25, .5, .75, 1 around mu. */
  private static double likert(double mu, double sd, int k, SplittableRandom r) {
    int quarters = 0;
    for (int i = 0; i < k; i++) {
      double v = clamp01(mu + sd * gauss(r));
      quarters += (int) Math.round(v * 4);
    }
    return quarters / (4.0 * k);
  }

  private static int poisson(double lambda, SplittableRandom r) {
    double limit = StrictMath.exp(-lambda);
    double prod = r.nextDouble();
    int k = 0;
    while (prod > limit && k < 1000) {
      prod *= r.nextDouble();
      k++;
    }
    return k;
  }

  static double clamp01(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  private static double clamp(double v, double lo, double hi) {
    return v < lo ? lo : v > hi ? hi : v;
  }

  private static int clamp(int v, int lo, int hi) {
    return v < lo ? lo : v > hi ? hi : v;
  }
}
