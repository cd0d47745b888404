package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.oasst.pipeline.core.TestSpark;
import org.oasst.pipeline.core.config.PipelineConfig;

class LeakageTest {
  private static final StructType PROMPTS =
      new StructType()
          .add("message_tree_id", DataTypes.StringType)
          .add("split", DataTypes.StringType)
          .add("prompt", DataTypes.StringType);

  private static final String BREAD =
      "How do I bake a loaf of sourdough bread at home with a cast iron pot and a simple starter?";

  @Test
  void nearDuplicatePromptsAcrossSplitsAreFoundWithTheirExactJaccard() {
    Dataset<Row> prompts =
        TestSpark.get()
            .createDataFrame(
                List.of(
                    RowFactory.create("t1", Splits.TRAIN, BREAD),
                    // one word changed: a near duplicate in a later split
                    RowFactory.create("t2", Splits.VALIDATION, BREAD.replace("simple", "sturdy")),
                    // unrelated
                    RowFactory.create("t3", Splits.VALIDATION, "What is the capital city of Australia, and why was it chosen over Sydney?"),
                    // near duplicates inside one split are not leakage
                    RowFactory.create("t4", Splits.TRAIN, BREAD.replace("home", "house")),
                    // the same text after normalization is an exact duplicate, reported elsewhere
                    RowFactory.create("t5", Splits.VALIDATION, BREAD.toUpperCase())),
                PROMPTS)
            .withColumn("normalized", Leakage.normalized(col("prompt")));
    DatasetOptions opts =
        DatasetOptions.from(PipelineConfig.defaults().with("datasets.leakage.near_duplicate_threshold", 0.6));

    List<Row> pairs = Leakage.nearDuplicates(prompts, opts).orderBy("tree_a", "tree_b").collectAsList();

    // t1 and t4 (train) pair with t2 (validation), t4 also with t5; t1 and t5 are the same text
    // (exact duplicates, not reported here); nothing pairs with t3 or within a split.
    assertEquals(3, pairs.size(), pairs.toString());
    assertPair(pairs.get(0), "t1", "t2", BREAD, BREAD.replace("simple", "sturdy"));
    assertPair(pairs.get(1), "t4", "t2", BREAD.replace("home", "house"), BREAD.replace("simple", "sturdy"));
    assertPair(pairs.get(2), "t4", "t5", BREAD.replace("home", "house"), BREAD);
  }

  @Test
  void minHashesAreThoseOfSparkMlsMinHashLshModel() {
    SparkSession spark = TestSpark.get();
    int shingleSize = 5;
    MinHashBands fast = MinHashBands.fit(spark, shingleSize, 4, 3, 1234L);
    List<String> texts =
        List.of(BREAD, BREAD.replace("simple", "sturdy"), "short", "ünïcode ✓ and\nnewlines, \"quotes\" \\ too",
            "What is the capital city of Australia, and why was it chosen over Sydney?",
            // surrogate pairs, which some shingles cut in two; CJK (three UTF-8 bytes per char)
            "emoji \uD83D\uDE00 and \uD83D\uDE00\uD83D\uDE00 pairs", "\u4f60\u597d\u4e16\u754c, \u4f60\u597d\u5417?");
    List<Row> rows = new ArrayList<>();
    for (String t : texts) rows.add(RowFactory.create(t, MinHashBands.shingles(t, shingleSize)));
    StructType schema =
        new StructType()
            .add("text", DataTypes.StringType)
            .add("shingles", DataTypes.createArrayType(DataTypes.StringType));
    Dataset<Row> features =
        new HashingTF().setInputCol("shingles").setOutputCol("features").setNumFeatures(MinHashBands.FEATURES)
            .setBinary(true)
            .transform(spark.createDataFrame(rows, schema));
    MinHashLSHModel model =
        new MinHashLSH().setNumHashTables(12).setSeed(1234L).setInputCol("features").setOutputCol("hashes")
            .fit(features);

    for (Row r : model.transform(features).collectAsList()) {
      List<Vector> expected = r.getList(r.fieldIndex("hashes"));
      long[] actual = fast.minHashes(r.getString(0));
      assertEquals(expected.size(), actual.length);
      for (int k = 0; k < actual.length; k++) assertEquals((long) expected.get(k).apply(0), actual[k], r.getString(0));
    }
    // Texts that agree on every hash share every band key; unrelated texts share none here.
    assertEquals(fast.bandKeys(BREAD), fast.bandKeys(BREAD));
    assertEquals(4, fast.bandKeys(BREAD).size());
    assertTrue(Collections.disjoint(fast.bandKeys(BREAD), fast.bandKeys(texts.get(4))));
  }

  @Test
  void jaccardOfShingleCodesEqualsThatOfShingleSets() {
    java.util.Random random = new java.util.Random(5);
    String alphabet = "ab c\u00e9\u4f60";
    for (int t = 0; t < 500; t++) {
      String x = randomText(random, alphabet, random.nextInt(40));
      String y = random.nextBoolean() ? randomText(random, alphabet, random.nextInt(40)) : x.substring(0, x.length() / 2) + randomText(random, alphabet, 8);
      double expected = rawShingles(x).isEmpty() && rawShingles(y).isEmpty() ? 1.0 : jaccard(rawShingles(x), rawShingles(y));
      assertEquals(expected, MinHashBands.jaccard(x, y, 5), 1e-15, x + " | " + y);
    }
  }

  @Test
  void bandKeysAgainstAnIndexAreTheSharedOnes() {
    SparkSession spark = TestSpark.get();
    MinHashBands minHash = MinHashBands.fit(spark, 5, 10, 5, 99L);
    java.util.Random random = new java.util.Random(6);
    String alphabet = "abcdefg hij";
    List<String> indexed = new ArrayList<>();
    List<List<Long>> keysOfIndexed = new ArrayList<>();
    for (int t = 0; t < 30; t++) {
      String text = randomText(random, alphabet, 30 + random.nextInt(30));
      indexed.add(text);
      keysOfIndexed.add(minHash.bandKeys(text));
    }
    MinHashBands.BandIndex index = new MinHashBands.BandIndex(keysOfIndexed);
    Set<Long> indexKeys = new HashSet<>();
    for (String text : indexed) indexKeys.addAll(minHash.bandKeys(text));
    int shared = 0;
    for (int t = 0; t < 300; t++) {
      // near copies of indexed texts (which share some bands) and unrelated texts
      String base = indexed.get(random.nextInt(indexed.size()));
      int cut = random.nextInt(base.length());
      String text = t % 3 == 0 ? randomText(random, alphabet, 40) : base.substring(0, cut) + randomText(random, alphabet, 3) + base.substring(cut);
      List<Long> expected = new ArrayList<>(minHash.bandKeys(text));
      expected.retainAll(indexKeys);
      assertEquals(expected, minHash.bandKeysIn(text, index), text);
      shared += expected.size();
    }
    assertTrue(shared > 50, "the near copies share bands: " + shared);
    assertEquals(List.of(), minHash.bandKeysIn("abc", index));
  }

  private static String randomText(java.util.Random random, String alphabet, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    return b.toString();
  }

  private static Set<String> rawShingles(String text) {
    Set<String> out = new HashSet<>();
    for (int i = 0; i + 5 <= text.length(); i++) out.add(text.substring(i, i + 5));
    return out;
  }

  private static void assertPair(Row r, String a, String b, String textA, String textB) {
    assertEquals(a, r.getString(r.fieldIndex("tree_a")));
    assertEquals(b, r.getString(r.fieldIndex("tree_b")));
    assertEquals(Splits.TRAIN, r.getString(r.fieldIndex("split_a")));
    assertEquals(Splits.VALIDATION, r.getString(r.fieldIndex("split_b")));
    assertEquals(jaccard(shingles(textA), shingles(textB)), r.getDouble(r.fieldIndex("similarity")), 1e-12);
  }

  private static Set<String> shingles(String text) {
    String t = text.toLowerCase().trim().replaceAll("\\s+", " ");
    Set<String> out = new HashSet<>();
    for (int i = 0; i + 5 <= t.length(); i++) out.add(t.substring(i, i + 5));
    return out;
  }

  private static double jaccard(Set<String> a, Set<String> b) {
    Set<String> both = new HashSet<>(a);
    both.retainAll(b);
    Set<String> either = new HashSet<>(a);
    either.addAll(b);
    return (double) both.size() / either.size();
  }
}
