package org.oasst.pipeline.core.read;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.oasst.pipeline.core.schema.Tables;

/**
 * Reads HF Parquet files (OpenAssistant/oasst1, oasst2) with the explicit schema of their columns and
 * sends every row through the same validation as a JSON line, so that all formats agree. A row's
 * "line" is its 1-based position in its file.
 */
final class ParquetHfReader {
  private ParquetHfReader() {}

  /** The columns of the published HF datasets ({@link Tables#HF_MESSAGES}). */
  static final StructType HF_SCHEMA = Tables.HF_MESSAGES;

  static Dataset<Row> read(SparkSession spark, List<InputFile> files, HadoopConf conf) {
    String[] paths = files.stream().map(InputFile::path).toArray(String[]::new);
    Dataset<Row> rows =
        spark.read().schema(HF_SCHEMA).parquet(paths)
            .select(
                functions.col("*"),
                functions.col("_metadata.file_path").as("_file"),
                functions.col("_metadata.row_index").as("_row_index"));
    StructType inSchema = rows.schema();
    JavaRDD<InternalRow> raw =
        rows.javaRDD().mapPartitions(it -> new PartitionIterator(it, inSchema));
    Dataset<Row> records = RawRecords.frame(spark, raw);
    // The checksums and sizes: one more pass over the (compressed, small) bytes of each file.
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<InternalRow> checks =
        jsc.parallelize(files, files.size()).map(file -> checksumRow(file, conf));
    return records.union(RawRecords.frame(spark, checks));
  }

  private static InternalRow checksumRow(InputFile file, HadoopConf conf) throws IOException {
    Path path = new Path(file.path());
    FileStats stats = new FileStats();
    stats.path = file.path();
    stats.container = file.container();
    try (CountingInputStream in = new CountingInputStream(path.getFileSystem(conf.get()).open(path))) {
      in.drain();
      stats.sizeBytes = in.bytes();
      stats.checksum = in.checksum();
    }
    stats.formats.add(LineProcessor.HF_PARQUET);
    return fileRow(file.path(), stats);
  }

  static InternalRow fileRow(String path, FileStats stats) {
    Object[] row = new Object[RawRecords.WIDTH];
    row[RawRecords.KIND] = RawRecords.KIND_FILE;
    row[RawRecords.PART_KEY] = "F:" + path;
    row[RawRecords.SOURCE_FILE] = path;
    row[RawRecords.SOURCE_LINE] = 0L;
    try {
      row[RawRecords.STATS] = new ObjectMapper().writeValueAsString(stats.toMap());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return RawRecords.row(row);
  }

  /** Validates the rows of one partition; ends with one statistics row per file it touched. */
  private static final class PartitionIterator implements Iterator<InternalRow> {
    private final Iterator<Row> in;
    private final StructType schema;
    private final int fileIndex;
    private final int rowIndex;
    private final Map<String, LineProcessor> processors = new HashMap<>();
    private final List<InternalRow> buffer = new ArrayList<>();
    private int position;
    private boolean statsEmitted;

    PartitionIterator(Iterator<Row> in, StructType schema) {
      this.in = in;
      this.schema = schema;
      this.fileIndex = schema.fieldIndex("_file");
      this.rowIndex = schema.fieldIndex("_row_index");
    }

    @Override
    public boolean hasNext() {
      while (position >= buffer.size()) {
        buffer.clear();
        position = 0;
        if (in.hasNext()) {
          Row row = in.next();
          String file = row.getString(fileIndex);
          long line = row.getLong(rowIndex) + 1;
          LineProcessor processor =
              processors.computeIfAbsent(file, f -> {
                FileStats stats = new FileStats();
                stats.path = f;
                stats.container = InputFile.PARQUET;
                return new LineProcessor(LineProcessor.HF_PARQUET, f, stats);
              });
          processor.stats.linesRead++;
          JsonNode node = toJson(row, schema);
          processor.processObject(node, line, buffer, node::toString);
        } else if (!statsEmitted) {
          statsEmitted = true;
          // Partial statistics: the driver adds up those of the partitions of one file.
          for (Map.Entry<String, LineProcessor> e : processors.entrySet()) {
            buffer.add(fileRow(e.getKey(), e.getValue().stats));
          }
          if (buffer.isEmpty()) return false;
        } else {
          return false;
        }
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new java.util.NoSuchElementException();
      return buffer.get(position++);
    }
  }

  /** One HF row as the JSON object an HF JSONL dump would hold (nulls dropped). */
  static ObjectNode toJson(Row row, StructType schema) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode node = f.objectNode();
    for (StructField field : HF_SCHEMA.fields()) {
      int i = schema.fieldIndex(field.name());
      if (row.isNullAt(i)) continue;
      node.set(field.name(), toJson(row.get(i), field.dataType(), f));
    }
    return node;
  }

  private static JsonNode toJson(Object value, DataType type, JsonNodeFactory f) {
    if (value == null) return f.nullNode();
    if (type instanceof StructType struct) {
      Row r = (Row) value;
      ObjectNode o = f.objectNode();
      for (int i = 0; i < struct.fields().length; i++) {
        if (r.isNullAt(i)) continue;
        o.set(struct.fields()[i].name(), toJson(r.get(i), struct.fields()[i].dataType(), f));
      }
      return o;
    }
    if (type instanceof org.apache.spark.sql.types.ArrayType array) {
      ArrayNode a = f.arrayNode();
      for (Object element : scala.collection.JavaConverters.seqAsJavaList((scala.collection.Seq<?>) value)) {
        a.add(toJson(element, array.elementType(), f));
      }
      return a;
    }
    if (value instanceof String s) return f.textNode(s);
    if (value instanceof Integer n) return f.numberNode(n);
    if (value instanceof Double d) return f.numberNode(d);
    if (value instanceof Boolean b) return f.booleanNode(b);
    throw new IllegalStateException("unexpected Parquet value " + value.getClass());
  }
}
