import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.oasst.pipeline.core.config.PipelineConfig;
import org.oasst.pipeline.core.io.OutputStore;
import org.oasst.pipeline.core.read.IngestResult;
import org.oasst.pipeline.core.read.IngestStage;
import org.oasst.pipeline.core.read.OasstReader;
import org.oasst.pipeline.core.read.ReadOptions;

/**
 * Ingest versus the single-thread floor. Usage (see run.sh):
 *   gen MESSAGES FILE.jsonl.gz   write an OASST-shaped trees file of about MESSAGES messages
 *   floor FILE                   gunzip + Jackson token parse of every token, one thread
 *   ingest FILE OUTDIR           the ingest stage (read, dedup, write the four outputs), local[2]
 */
public class IngestBenchmark {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "gen" -> generate(Long.parseLong(args[1]), Path.of(args[2]));
      case "floor" -> floor(Path.of(args[1]));
      case "ingest" -> ingest(Path.of(args[1]), args[2]);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static void floor(Path file) throws Exception {
    long t0 = System.nanoTime();
    long tokens = 0;
    JsonFactory f = new JsonFactory();
    try (InputStream in = new GZIPInputStream(new FileInputStream(file.toFile()), 1 << 16);
        JsonParser p = f.createParser(in)) {
      while (p.nextToken() != null) {
        tokens++;
        if (p.currentToken().isScalarValue()) p.getText();
      }
    }
    System.out.printf("floor: %d tokens in %.2f s%n", tokens, (System.nanoTime() - t0) / 1e9);
  }

  static void ingest(Path file, String out) {
    SparkSession spark =
        SparkSession.builder().master("local[2]").appName("ingest-benchmark")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    // Warm-up on a tiny input so that JVM and Spark start-up are not measured.
    long t0 = System.nanoTime();
    IngestResult r = OasstReader.read(spark, List.of(file.toString()), ReadOptions.defaults());
    long messages = (Long) r.totals().get("messages_distinct");
    double readSeconds = (System.nanoTime() - t0) / 1e9;
    r.release();
    long t1 = System.nanoTime();
    IngestStage.run(spark, new OutputStore(spark, out), List.of(file.toString()), PipelineConfig.defaults());
    double stageSeconds = (System.nanoTime() - t1) / 1e9;
    System.out.printf("read (parse, spread, dedup counts): %d messages in %.2f s%n", messages, readSeconds);
    System.out.printf("ingest stage (read + write 4 outputs + manifest): %.2f s%n", stageSeconds);
    spark.stop();
  }

  static final String[] LANGS = {"en", "en", "en", "es", "es", "ru", "de", "zh", "fr", "pt-BR"};
  static final String[] LABELS = {
    "spam", "lang_mismatch", "pii", "not_appropriate", "hate_speech", "sexual_content", "quality",
    "toxicity", "humor", "creativity", "violence"
  };
  static final String[] DETOX = {
    "toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"
  };

  static void generate(long target, Path file) throws Exception {
    Random rnd = new Random(7);
    JsonFactory f = new JsonFactory();
    long written = 0;
    long trees = 0;
    try (OutputStream os = new GZIPOutputStream(new BufferedOutputStream(new FileOutputStream(file.toFile())), 1 << 16)) {
      while (written < target) {
        double u = rnd.nextDouble();
        int size;
        String state;
        if (u < 0.78) {
          size = 1;
          state = "prompt_lottery_waiting";
        } else if (u < 0.945) {
          size = 8 + rnd.nextInt(5);
          state = "ready_for_export";
        } else {
          size = 2 + rnd.nextInt(3);
          state = "growing";
        }
        String treeId = uuid(rnd);
        try (JsonGenerator g = f.createGenerator(new NonClosing(os))) {
          g.writeStartObject();
          g.writeStringField("message_tree_id", treeId);
          g.writeStringField("tree_state", state);
          g.writeFieldName("prompt");
          int[] left = {size - 1};
          node(g, rnd, treeId, null, "prompter", left, 0);
          g.writeNullField("origin");
          g.writeEndObject();
        }
        os.write('\n');
        written += size;
        trees++;
      }
    }
    System.out.printf("wrote %d trees, %d messages, %d bytes%n", trees, written, Files.size(file));
  }

  static void node(JsonGenerator g, Random rnd, String id, String parent, String role, int[] left, int depth)
      throws Exception {
    g.writeStartObject();
    g.writeStringField("message_id", id);
    if (parent == null) g.writeNullField("parent_id"); else g.writeStringField("parent_id", parent);
    g.writeStringField("user_id", uuid(rnd));
    g.writeStringField("created_date", String.format("2023-0%d-%02dT%02d:%02d:%02d.%06d+00:00",
        1 + rnd.nextInt(9), 1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60), rnd.nextInt(60), rnd.nextInt(1000000)));
    int len = role.equals("assistant") ? 200 + rnd.nextInt(1000) : 50 + rnd.nextInt(300);
    g.writeStringField("text", text(rnd, len));
    g.writeStringField("role", role);
    g.writeStringField("lang", LANGS[rnd.nextInt(LANGS.length)]);
    g.writeNumberField("review_count", 3);
    g.writeBooleanField("review_result", true);
    g.writeBooleanField("deleted", rnd.nextInt(30) == 0);
    if (role.equals("assistant")) g.writeNumberField("rank", rnd.nextInt(3)); else g.writeNullField("rank");
    g.writeBooleanField("synthetic", false);
    g.writeNullField("model_name");
    g.writeObjectFieldStart("emojis");
    g.writeNumberField("+1", rnd.nextInt(5));
    g.writeNumberField("_skip_reply", rnd.nextInt(2));
    g.writeEndObject();
    g.writeArrayFieldStart("replies");
    int children = depth < 4 ? Math.min(left[0], role.equals("prompter") ? 1 + rnd.nextInt(3) : 1) : 0;
    String childRole = role.equals("prompter") ? "assistant" : "prompter";
    for (int c = 0; c < children && left[0] > 0; c++) {
      left[0]--;
      node(g, rnd, uuid(rnd), id, childRole, left, depth + 1);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("labels");
    for (String l : LABELS) {
      g.writeObjectFieldStart(l);
      g.writeNumberField("value", rnd.nextInt(5) / 4.0);
      g.writeNumberField("count", 3);
      g.writeEndObject();
    }
    g.writeEndObject();
    g.writeNullField("events");
    g.writeObjectFieldStart("detoxify");
    for (String d : DETOX) g.writeNumberField(d, rnd.nextDouble() / 100);
    g.writeEndObject();
    g.writeNullField("message_tree_id");
    g.writeNullField("tree_state");
    g.writeEndObject();
  }

  static String uuid(Random rnd) {
    return new java.util.UUID(rnd.nextLong(), rnd.nextLong()).toString();
  }

  static final String[] WORDS = ("the of and to in is that for it as with was on be by this are or at from "
      + "which an but not have can you your more will one all would there their what about when they "
      + "model answer question example data water energy history language people system time").split(" ");

  static String text(Random rnd, int len) {
    StringBuilder sb = new StringBuilder(len + 16);
    while (sb.length() < len) sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(12) == 0 ? ".\n" : " ");
    return sb.toString();
  }

  static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) { super(out); }
    @Override public void write(byte[] b, int off, int len) throws java.io.IOException { out.write(b, off, len); }
    @Override public void close() throws java.io.IOException { flush(); }
  }
}
