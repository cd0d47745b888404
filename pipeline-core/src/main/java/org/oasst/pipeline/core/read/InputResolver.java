package org.oasst.pipeline.core.read;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Turns the user's inputs (files, directories, glob patterns, on any Hadoop file system) into the list
 * of files to read, each with its container (plain, gzip, Parquet) detected from its first bytes. Runs
 * on the driver, so that a bad input fails before any Spark job starts.
 */
public final class InputResolver {
  private InputResolver() {}

  private static final byte[] PARQUET_MAGIC = {'P', 'A', 'R', '1'};

  public static List<InputFile> resolve(Configuration conf, List<String> inputs) {
    if (inputs == null || inputs.isEmpty()) throw new InputException("no input given");
    Map<String, InputFile> files = new LinkedHashMap<>();
    for (String input : inputs) {
      if (input == null || input.isBlank()) throw new InputException("empty input path");
      for (FileStatus status : expand(conf, input)) {
        String path = status.getPath().toString();
        files.computeIfAbsent(path, p -> new InputFile(p, status.getLen(), detectContainer(conf, status)));
      }
    }
    return new ArrayList<>(files.values());
  }

  /** The files one input names: itself, a directory's visible files, or a glob pattern's matches. */
  private static List<FileStatus> expand(Configuration conf, String input) {
    try {
      Path path = new Path(input);
      FileSystem fs = path.getFileSystem(conf);
      FileStatus[] matches = fs.globStatus(path);
      if (matches == null || matches.length == 0) {
        throw new InputException(
            isGlob(input) ? "input pattern matches no file: " + input : "input does not exist: " + input);
      }
      List<FileStatus> out = new ArrayList<>();
      for (FileStatus match : matches) {
        if (match.isDirectory()) {
          FileStatus[] children = fs.listStatus(match.getPath());
          Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
          for (FileStatus child : children) {
            // Hidden and marker files (_SUCCESS, .crc) are bookkeeping of writers, not data.
            String name = child.getPath().getName();
            if (child.isFile() && !name.startsWith(".") && !name.startsWith("_")) out.add(child);
          }
        } else {
          out.add(match);
        }
      }
      if (out.isEmpty()) throw new InputException("input directory holds no file: " + input);
      return out;
    } catch (InputException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new InputException("cannot list input " + input + ": " + e.getMessage(), e);
    }
  }

  private static boolean isGlob(String input) {
    return input.indexOf('*') >= 0 || input.indexOf('?') >= 0 || input.indexOf('[') >= 0
        || input.indexOf('{') >= 0;
  }

  /** Parquet by its magic or extension; gzip by its magic bytes, whatever the file is called. */
  static String detectContainer(Configuration conf, FileStatus status) {
    Path path = status.getPath();
    byte[] head = new byte[4];
    int n = 0;
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) break;
        n += r;
      }
    } catch (IOException e) {
      throw new InputException("cannot read input " + path + ": " + e.getMessage(), e);
    }
    if (n == 4 && Arrays.equals(head, PARQUET_MAGIC)) return InputFile.PARQUET;
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) return InputFile.GZIP;
    if (path.getName().endsWith(".parquet") && n > 0) {
      throw new InputException("file named .parquet lacks the Parquet magic bytes: " + path);
    }
    return InputFile.PLAIN;
  }
}
