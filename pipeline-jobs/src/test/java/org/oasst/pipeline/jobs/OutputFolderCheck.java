package org.oasst.pipeline.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * What an output folder promises, checked from the outside: the manifest's outputs against the
 * Parquet folders really on disk. Written independently of OutputStore (plain files and JSON).
 */
final class OutputFolderCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  /** output path -> row count, from manifest.json (empty when there is no manifest) */
  private final Map<String, Long> manifestRows;

  private OutputFolderCheck(Path dir, Map<String, Long> manifestRows) {
    this.dir = dir;
    this.manifestRows = manifestRows;
  }

  static OutputFolderCheck of(Path dir) {
    Map<String, Long> rows = new TreeMap<>();
    Path manifest = dir.resolve("manifest.json");
    if (Files.exists(manifest)) {
      try {
        Map<String, Object> m = JSON.readValue(manifest.toFile(), new TypeReference<Map<String, Object>>() {});
        Object outputs = m.get("outputs");
        if (outputs instanceof Map<?, ?> map) {
          for (Map.Entry<?, ?> e : map.entrySet()) {
            Object r = ((Map<?, ?>) e.getValue()).get("rows");
            rows.put((String) e.getKey(), ((Number) r).longValue());
          }
        }
      } catch (IOException e) {
        throw new AssertionError("manifest.json of " + dir + " is not readable JSON: " + e.getMessage(), e);
      }
    }
    return new OutputFolderCheck(dir, rows);
  }

  Map<String, Long> manifestRows() {
    return manifestRows;
  }

  long manifestRows(String output) {
    Long r = manifestRows.get(output);
    assertTrue(r != null, "no " + output + " in the manifest of " + dir + ": " + describe());
    return r;
  }

  String describe() {
    return "manifest outputs " + manifestRows + ", table folders on disk " + tableFoldersOnDisk();
  }

  /**
   * Folders holding Parquet parts, relative to the output folder, outside {@code _staging} (where
   * unfinished writes live and are allowed to be half-done).
   */
  List<String> tableFoldersOnDisk() {
    List<String> found = new ArrayList<>();
    if (!Files.isDirectory(dir)) return found;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isDirectory).toList()) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        if (rel.equals("_staging") || rel.startsWith("_staging/")) continue;
        try (Stream<Path> children = Files.list(p)) {
          boolean hasParts = children.anyMatch(c -> c.getFileName().toString().startsWith("part-")
              && c.getFileName().toString().endsWith(".parquet"));
          if (hasParts) found.add(rel);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  long parquetRows(SparkSession spark, String output) {
    return spark.read().parquet(dir.resolve(output).toString()).count();
  }

  /**
   * Every table folder on disk has its manifest entry, and every manifest entry that is on disk has
   * exactly the rows the manifest says. With {@code allPresent}, every manifest entry must be on disk.
   */
  void assertConsistent(SparkSession spark, boolean allPresent) {
    List<String> problems = new ArrayList<>();
    for (String folder : tableFoldersOnDisk()) {
      if (!manifestRows.containsKey(folder)) problems.add(folder + " is on disk without a manifest entry");
    }
    for (Map.Entry<String, Long> e : manifestRows.entrySet()) {
      if (!Files.exists(dir.resolve(e.getKey()))) {
        if (allPresent) problems.add(e.getKey() + " is in the manifest but not on disk");
        continue;
      }
      long actual = parquetRows(spark, e.getKey());
      if (actual != e.getValue()) {
        problems.add(e.getKey() + " has " + actual + " rows on disk, the manifest says " + e.getValue());
      }
    }
    assertTrue(problems.isEmpty(), "inconsistent output folder " + dir + ":\n  " + String.join("\n  ", problems));
  }

  void assertConsistent(SparkSession spark) {
    assertConsistent(spark, true);
  }
}
