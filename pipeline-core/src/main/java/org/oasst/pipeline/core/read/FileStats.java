package org.oasst.pipeline.core.read;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** What one reading task saw in one file; travels to the driver as JSON in the file's last row. */
final class FileStats {
  String path;
  String container;
  long sizeBytes;
  String checksum;
  long linesRead;
  long linesAccepted;
  long linesQuarantined;
  long blankLines;
  long treesRead;
  long messagesParsed;
  final TreeSet<String> formats = new TreeSet<>();
  final Map<String, Long> unknownKeys = new TreeMap<>();

  /** Adds the line counts of {@code other}, which saw other lines of the same file. */
  void addLines(FileStats other) {
    linesRead += other.linesRead;
    linesAccepted += other.linesAccepted;
    linesQuarantined += other.linesQuarantined;
    blankLines += other.blankLines;
    treesRead += other.treesRead;
    messagesParsed += other.messagesParsed;
    formats.addAll(other.formats);
    other.unknownKeys.forEach((k, v) -> unknownKeys.merge(k, v, Long::sum));
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("container", container);
    m.put("size_bytes", sizeBytes);
    m.put("checksum", checksum);
    m.put("formats", formats);
    m.put("lines_read", linesRead);
    m.put("lines_accepted", linesAccepted);
    m.put("lines_quarantined", linesQuarantined);
    m.put("blank_lines", blankLines);
    m.put("trees_read", treesRead);
    m.put("messages_parsed", messagesParsed);
    m.put("unknown_keys", unknownKeys);
    return m;
  }
}
