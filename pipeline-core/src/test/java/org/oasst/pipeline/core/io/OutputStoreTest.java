package org.oasst.pipeline.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oasst.pipeline.core.TestSpark;
import scala.collection.JavaConverters;

class OutputStoreTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("n", DataTypes.IntegerType)
          .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType));

  private final SparkSession spark = TestSpark.get();

  private Dataset<Row> table(List<Row> rows, int partitions) {
    return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
  }

  private static List<Row> rows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Integer> tags = new java.util.LinkedHashMap<>();
      tags.put("a" + (i % 3), i);
      tags.put("b", i % 5);
      rows.add(RowFactory.create("id-" + i, i, JavaConverters.mapAsScalaMap(tags)));
    }
    return rows;
  }

  @Test
  void fingerprintIgnoresRowOrderAndPartitioningButSeesContent() {
    List<Row> rows = rows(200);
    List<Row> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new java.util.Random(7));
    Fingerprint.Result a = Fingerprint.of(table(rows, 1));
    Fingerprint.Result b = Fingerprint.of(table(shuffled, 4));
    assertEquals(200, a.rows());
    assertEquals(a, b);

    List<Row> changed = new ArrayList<>(rows);
    changed.set(17, RowFactory.create("id-17", 18, rows.get(17).get(2)));
    assertNotEquals(a.fingerprint(), Fingerprint.of(table(changed, 1)).fingerprint());
  }

  @Test
  void fingerprintToleratesSummationOrderInDoublesButSeesRealChanges() {
    double leftToRight = 0.1 + 0.2 + 0.3;
    double rightToLeft = 0.3 + 0.2 + 0.1;
    assertNotEquals(leftToRight, rightToLeft);
    assertEquals(doubleFingerprint(leftToRight), doubleFingerprint(rightToLeft));
    assertNotEquals(doubleFingerprint(0.6), doubleFingerprint(0.600001));
    assertNotEquals(doubleFingerprint(0.6), doubleFingerprint(-0.6));
    assertEquals(0.6, Fingerprint.roundedMantissa(rightToLeft), 1e-12);
  }

  private String doubleFingerprint(double value) {
    StructType schema = new StructType().add("x", DataTypes.DoubleType);
    return Fingerprint.of(spark.createDataFrame(List.of(RowFactory.create(value)), schema)).fingerprint();
  }

  @Test
  void writesTableCsvAndManifest(@TempDir Path dir) throws Exception {
    OutputStore store = new OutputStore(spark, dir.toString());
    OutputInfo info = store.writeTableWithCsv("analysis/example", table(rows(10), 2));
    store.recordSection("note", Map.of("k", 1));
    store.commitManifest();

    assertEquals(10, info.rows());
    assertEquals(10, spark.read().parquet(dir.resolve("analysis/example").toString()).count());
    List<String> csv = Files.readAllLines(dir.resolve("analysis/example.csv"));
    assertEquals(11, csv.size(), "header plus one line per row");
    assertTrue(csv.get(0).startsWith("id,n,tags"));
    assertFalse(Files.exists(dir.resolve("_staging")), "staging is cleaned up");

    JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
    assertEquals(10, manifest.path("outputs").path("analysis/example").path("rows").asLong());
    assertEquals(info.fingerprint(), manifest.path("outputs").path("analysis/example").path("fingerprint").asText());
    assertEquals(1, manifest.path("note").path("k").asInt());

    // A second store on the same folder continues the manifest instead of starting over.
    OutputStore again = new OutputStore(spark, dir.toString());
    assertTrue(again.outputs().containsKey("analysis/example"));
  }

  @Test
  void failedWriteLeavesThePreviousOutputInPlace(@TempDir Path dir) {
    OutputStore store = new OutputStore(spark, dir.toString());
    OutputInfo first = store.writeTable("tables/t", table(rows(5), 1));
    assertThrows(
        IllegalStateException.class,
        () ->
            store.writeAtomically(
                "tables/t",
                staging -> {
                  table(rows(50), 1).write().parquet(staging);
                  throw new IllegalStateException("stage failed halfway");
                }));
    Dataset<Row> kept = store.read("tables/t");
    assertEquals(first.rows(), kept.count());
    assertEquals(first.fingerprint(), Fingerprint.of(kept).fingerprint());
  }

  @Test
  void aWriteNotKeptLeavesThePreviousOutputAndManifestEntry(@TempDir Path dir) {
    OutputStore store = new OutputStore(spark, dir.toString());
    OutputInfo first = store.writeTable("tables/t", table(rows(5), 1));
    boolean[] asked = {false};
    OutputInfo discarded =
        store.writeTableIf(
            "tables/t",
            table(rows(50), 2),
            () -> {
              // asked only once the write is done: the staged files are there to be judged
              asked[0] = true;
              return false;
            });
    assertTrue(asked[0]);
    assertEquals(null, discarded);
    Dataset<Row> kept = store.read("tables/t");
    assertEquals(5, kept.count());
    assertEquals(first.fingerprint(), Fingerprint.of(kept).fingerprint());
    assertEquals(first.fingerprint(), store.outputs().get("tables/t").get("fingerprint"));
    assertFalse(Files.exists(dir.resolve("_staging")), "the discarded files are removed");

    OutputInfo kept2 = store.writeTableIf("tables/t", table(rows(50), 2), () -> true);
    assertEquals(50, kept2.rows());
    assertEquals(50, store.read("tables/t").count());
    assertEquals(kept2.fingerprint(), store.outputs().get("tables/t").get("fingerprint"));
  }

  @Test
  void writeObservesTheFingerprintOfWhatItWrites(@TempDir Path dir) throws Exception {
    // A plan with a shuffle and an aggregate, as the stages write them, and a double column.
    Dataset<Row> df =
        table(rows(300), 3)
            .groupBy("n")
            .agg(org.apache.spark.sql.functions.avg("n").as("mean"), org.apache.spark.sql.functions.count("id").as("k"));
    String staging = dir.resolve("observed").toString();
    Row observed;
    try (ObservedMetrics metrics = new ObservedMetrics(spark, "fp-test")) {
      Fingerprint.observing(df, "fp-test").write().parquet(staging);
      observed = metrics.await(30_000);
    }
    assertTrue(observed != null, "the write job delivered the observed fingerprint");
    Fingerprint.Result fromWrite = Fingerprint.result(observed);
    Fingerprint.Result fromFiles = Fingerprint.of(spark.read().parquet(staging));
    assertEquals(300, fromWrite.rows());
    assertEquals(fromFiles, fromWrite);

    OutputStore store = new OutputStore(spark, dir.resolve("store").toString());
    OutputInfo info = store.writeTable("analysis/means", df);
    assertEquals(fromFiles.fingerprint(), info.fingerprint());
    assertEquals(fromFiles.fingerprint(), Fingerprint.of(store.read("analysis/means")).fingerprint());
  }

  @Test
  void readingAMissingOutputIsAClearError(@TempDir Path dir) {
    OutputStore store = new OutputStore(spark, dir.toString());
    MissingOutputException e = assertThrows(MissingOutputException.class, () -> store.read("tables/messages"));
    assertTrue(e.getMessage().contains("tables/messages"));
  }
}
