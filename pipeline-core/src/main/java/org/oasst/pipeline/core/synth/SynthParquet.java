package org.oasst.pipeline.core.synth;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * The Hugging Face rows (reference 2.4) as a Spark table: tree-index chunks are parallelized and
 * each task generates its chunks' trees and flattens them to rows, so no driver-side list of trees
 * ever exists.
 */
public final class SynthParquet {
  private SynthParquet() {}

  /** The column layout of the published {@code OpenAssistant/oasst1} Parquet files. */
  public static final StructType HF_SCHEMA = Tables.HF_MESSAGES;

  /** The generated messages as HF rows, lazily, {@code options.partitions()} partitions. */
  public static Dataset<Row> hfRows(SparkSession spark, SynthOptions options) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long chunks = (options.trees() + Synth.CHUNK_TREES - 1) / Synth.CHUNK_TREES;
    List<Long> chunkIndexes = new ArrayList<>((int) chunks);
    for (long c = 0; c < chunks; c++) chunkIndexes.add(c);
    int partitions =
        options.partitions() > 0 ? options.partitions() : Math.max(1, jsc.defaultParallelism());
    partitions = (int) Math.max(1, Math.min(partitions, Math.max(1, chunks)));
    JavaRDD<Row> rows =
        jsc.parallelize(chunkIndexes, partitions).flatMap(new ChunkRows(options));
    return spark.createDataFrame(rows, HF_SCHEMA);
  }

  static SynthSummary write(SparkSession spark, SynthOptions options, String outputPath) {
    long start = System.nanoTime();
    hfRows(spark, options).write().mode(SaveMode.Overwrite).parquet(outputPath);
    long messages = spark.read().schema(HF_SCHEMA).parquet(outputPath).count();
    long bytes;
    try {
      Path p = new Path(outputPath);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      bytes = fs.getContentSummary(p).getLength();
    } catch (IOException e) {
      throw new UncheckedIOException("synth: cannot measure " + outputPath, e);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    return new SynthSummary(options.trees(), messages, bytes, -1, outputPath, millis);
  }

  /** Flattens one tree to its HF rows, parents before children. */
  public static List<Row> toRows(SynthTree tree) {
    List<Row> out = new ArrayList<>(tree.messageCount());
    addRows(tree, tree.root(), out);
    return out;
  }

  private static void addRows(SynthTree tree, SynthNode n, List<Row> out) {
    Row detox = null;
    if (n.detoxify != null) {
      Object[] d = new Object[n.detoxify.length];
      for (int i = 0; i < d.length; i++) d[i] = n.detoxify[i];
      detox = RowFactory.create(d);
    }
    List<String> emojiNames = new ArrayList<>();
    List<Integer> emojiCounts = new ArrayList<>();
    if (n.emojiNames != null) {
      for (int i = 0; i < n.emojiNames.length; i++) {
        emojiNames.add(n.emojiNames[i]);
        emojiCounts.add(n.emojiCounts[i]);
      }
    }
    List<String> labelNames = new ArrayList<>();
    List<Double> labelValues = new ArrayList<>();
    List<Integer> labelCounts = new ArrayList<>();
    if (n.labelNames != null) {
      for (int i = 0; i < n.labelNames.length; i++) {
        labelNames.add(n.labelNames[i]);
        labelValues.add(n.labelValues[i]);
        labelCounts.add(n.labelCounts[i]);
      }
    }
    out.add(
        RowFactory.create(
            n.messageId,
            n.parentId,
            n.userId,
            SynthJsonWriter.isoMicros(n.createdMicros),
            n.text,
            n.role(),
            n.lang,
            n.reviewCount,
            n.reviewResult,
            n.deleted,
            n.rank,
            n.synthetic,
            n.modelName,
            detox,
            tree.treeId(),
            tree.state(),
            RowFactory.create(seq(emojiNames), seq(emojiCounts)),
            RowFactory.create(seq(labelNames), seq(labelValues), seq(labelCounts))));
    for (SynthNode c : n.replies) addRows(tree, c, out);
  }

  /** Spark's external Row encoder takes Scala sequences for arrays, not java.util.List. */
  @SuppressWarnings("deprecation")
  private static <T> scala.collection.Seq<T> seq(List<T> list) {
    return scala.collection.JavaConverters.asScalaBuffer(list);
  }

  private static final class ChunkRows implements FlatMapFunction<Long, Row> {
    private static final long serialVersionUID = 1L;
    private final SynthOptions options;

    ChunkRows(SynthOptions options) {
      this.options = options;
    }

    @Override
    public Iterator<Row> call(Long chunk) {
      SyntheticGenerator generator =
          new SyntheticGenerator(options.seed(), options.trees(), options.unknownKeys());
      long from = chunk * Synth.CHUNK_TREES;
      long to = Math.min(options.trees(), from + Synth.CHUNK_TREES);
      return new Iterator<>() {
        long next = from;
        Iterator<Row> current = java.util.Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          while (!current.hasNext() && next < to) current = toRows(generator.generate(next++)).iterator();
          return current.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) throw new NoSuchElementException();
          return current.next();
        }
      };
    }
  }
}
