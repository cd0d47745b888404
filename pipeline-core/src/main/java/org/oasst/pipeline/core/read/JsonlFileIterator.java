package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Streams one JSONL file (plain or gzip) into raw rows, one line at a time: nothing but the current
 * line (at most one tree) is held in memory. The last row is the file's statistics.
 */
final class JsonlFileIterator implements Iterator<InternalRow> {
  private static final ObjectMapper STATS_MAPPER = new ObjectMapper();

  private final InputFile input;
  private final Configuration conf;
  private final FileStats stats = new FileStats();
  private final LineProcessor processor;
  private final ArrayDeque<InternalRow> pending = new ArrayDeque<>();
  private final List<InternalRow> lineRows = new ArrayList<>();
  private CountingInputStream raw;
  private InputStream decoded;
  private ByteLineReader lines;
  private long lineNo;
  private boolean done;

  JsonlFileIterator(InputFile input, Configuration conf, String format) {
    this.input = input;
    this.conf = conf;
    this.stats.path = input.path();
    this.stats.container = input.container();
    this.processor = new LineProcessor(format, input.path(), stats);
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty() && !done) advance();
    return !pending.isEmpty();
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    return pending.poll();
  }

  private void advance() {
    try {
      if (lines == null) open();
      boolean more;
      try {
        more = lines.next();
      } catch (IOException e) {
        readFailed(e);
        return;
      }
      if (!more) {
        finish();
        return;
      }
      lineNo++;
      lineRows.clear();
      processor.process(lines.buffer(), lines.lineStart(), lines.lineLength(), lineNo, lineRows);
      pending.addAll(lineRows);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + input.path() + ": " + e.getMessage(), e);
    }
  }

  private void open() throws IOException {
    Path path = new Path(input.path());
    raw = new CountingInputStream(path.getFileSystem(conf).open(path, 1 << 16));
    decoded = InputFile.GZIP.equals(input.container()) ? new GZIPInputStream(raw, 1 << 16) : raw;
    lines = new ByteLineReader(decoded);
  }

  /** A stream that breaks off: the partial line is quarantined and the file ends there. */
  private void readFailed(IOException e) throws IOException {
    lineNo++;
    boolean truncated = e instanceof EOFException;
    String reason = truncated ? Reasons.TRUNCATED_GZIP : Reasons.READ_ERROR;
    byte[] partial = lines.partialLine();
    String detail =
        (truncated ? "gzip stream ends early" : "cannot read further")
            + " at line " + lineNo + " (" + partial.length + " bytes of it read): "
            + LineProcessor.firstLine(e.getMessage());
    stats.linesRead++;
    if (partial.length == 0 && truncated) {
      // The stream broke exactly at a line boundary; still, data is missing: say so at the next line.
      detail = "gzip stream ends early after line " + (lineNo - 1) + ": " + LineProcessor.firstLine(e.getMessage());
    }
    lineRows.clear();
    processor.quarantine(
        lineRows, lineNo, reason, detail, null, LineProcessor.decode(partial, 0, partial.length));
    pending.addAll(lineRows);
    finish();
  }

  private void finish() throws IOException {
    done = true;
    if (raw != null) {
      try {
        raw.drain();
      } catch (IOException ignored) {
        // a broken file was already reported; its checksum covers the bytes that could be read
      }
      stats.sizeBytes = raw.bytes();
      stats.checksum = raw.checksum();
      decoded.close();
    }
    if (stats.linesRead == 0) {
      // An empty file has no line (line 0); not counted as a quarantined line, so that lines_read
      // = accepted + quarantined still holds.
      pending.add(
          LineProcessor.quarantineRow(input.path(), 0, Reasons.EMPTY_FILE, "the file holds no line", null, null));
    }
    Object[] row = new Object[RawRecords.WIDTH];
    row[RawRecords.KIND] = RawRecords.KIND_FILE;
    row[RawRecords.PART_KEY] = "F:" + input.path();
    row[RawRecords.SOURCE_FILE] = input.path();
    row[RawRecords.SOURCE_LINE] = 0L;
    row[RawRecords.STATS] = STATS_MAPPER.writeValueAsString(stats.toMap());
    pending.add(RawRecords.row(row));
  }
}
