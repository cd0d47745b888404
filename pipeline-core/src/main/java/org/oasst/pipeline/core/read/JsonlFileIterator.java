package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;

/**
 * Streams one JSONL file (plain or gzip) into raw rows, in line order. A gzip file is one task, so
 * the work inside it is spread over threads: one decompresses ({@link ReadAheadInputStream}), the
 * task's thread cuts lines and hands on rows, and a small pool parses batches of lines. Memory stays
 * bounded: a few batches of lines (or one long line) at a time. The last row is the file's statistics.
 */
final class JsonlFileIterator implements Iterator<InternalRow> {
  private static final ObjectMapper STATS_MAPPER = new ObjectMapper();
  /** A batch ends after this many lines or bytes (a single longer line is a batch of its own). */
  private static final int BATCH_LINES = 512;

  private static final int BATCH_BYTES = 1 << 20;

  private final InputFile input;
  private final Configuration conf;
  private final String format;
  private final FileStats stats = new FileStats();
  private final LineProcessor processor;
  private final ArrayDeque<InternalRow> pending = new ArrayDeque<>();
  private final List<InternalRow> lineRows = new ArrayList<>();
  private final int parserThreads = Math.min(4, Runtime.getRuntime().availableProcessors());
  private final ArrayDeque<Future<List<InternalRow>>> inFlight = new ArrayDeque<>();
  /** The pool's line processors, each used by one batch at a time; their counts add up at the end. */
  private final ConcurrentLinkedQueue<LineProcessor> idleProcessors = new ConcurrentLinkedQueue<>();
  private final List<LineProcessor> allProcessors = Collections.synchronizedList(new ArrayList<>());
  private ExecutorService parsers;
  private IOException readError;
  private boolean linesEnded;
  private CountingInputStream raw;
  private InputStream decoded;
  private InputStream gunzip;
  private ByteLineReader lines;
  private long lineNo;
  private boolean done;

  JsonlFileIterator(InputFile input, Configuration conf, String format) {
    this.input = input;
    this.conf = conf;
    this.format = format;
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
      while (!linesEnded && inFlight.size() < 2 * parserThreads) {
        LineBatch batch = readBatch();
        if (batch.count > 0) inFlight.add(parsers.submit(() -> parse(batch)));
      }
      if (!inFlight.isEmpty()) {
        pending.addAll(await(inFlight.poll()));
      } else if (readError != null) {
        readFailed(readError);
      } else {
        finish();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + input.path() + ": " + e.getMessage(), e);
    }
  }

  /** The next lines, copied out of the reader's buffer; marks the end of the lines or a read error. */
  private LineBatch readBatch() {
    LineBatch batch = new LineBatch(lineNo + 1);
    while (batch.count < BATCH_LINES && batch.size < BATCH_BYTES) {
      boolean more;
      try {
        more = lines.next();
      } catch (IOException e) {
        readError = e; // reported after the complete lines before it
        linesEnded = true;
        break;
      }
      if (!more) {
        linesEnded = true;
        break;
      }
      lineNo++;
      batch.add(lines.buffer(), lines.lineStart(), lines.lineLength());
    }
    return batch;
  }

  private List<InternalRow> parse(LineBatch batch) {
    LineProcessor p = idleProcessors.poll();
    if (p == null) {
      FileStats own = new FileStats();
      p = new LineProcessor(format, input.path(), own);
      allProcessors.add(p);
    }
    try {
      List<InternalRow> out = new ArrayList<>(batch.count + batch.count / 2);
      for (int i = 0; i < batch.count; i++) {
        p.process(batch.data, batch.starts[i], batch.lengths[i], batch.firstLine + i, out);
      }
      // Spark's shuffle writes binary rows; converting here, in parallel, takes that work off the
      // task's thread, which also cuts lines and writes the shuffle.
      UnsafeProjection toBinary = p.binaryRows();
      for (int i = 0; i < out.size(); i++) out.set(i, toBinary.apply(out.get(i)).copy());
      return out;
    } finally {
      idleProcessors.add(p);
    }
  }

  private static List<InternalRow> await(Future<List<InternalRow>> parsed) {
    try {
      return parsed.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while parsing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    }
  }

  private void open() throws IOException {
    Path path = new Path(input.path());
    raw = new CountingInputStream(path.getFileSystem(conf).open(path, 1 << 16));
    if (InputFile.GZIP.equals(input.container())) {
      gunzip = new GZIPInputStream(raw, 1 << 16);
      ReadAheadInputStream readAhead = new ReadAheadInputStream(gunzip, input.path());
      decoded = readAhead;
      org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
      if (task != null) {
        // A cancelled or failed task must not leave the helper thread behind.
        task.addTaskCompletionListener(
            (org.apache.spark.util.TaskCompletionListener) ctx -> {
              try {
                readAhead.close();
              } catch (IOException ignored) {
                // closing only stops the helper thread
              }
            });
      }
    } else {
      decoded = raw;
    }
    lines = new ByteLineReader(decoded);
    parsers =
        Executors.newFixedThreadPool(
            parserThreads,
            r -> {
              Thread t = new Thread(r, "parse " + input.path());
              t.setDaemon(true);
              return t;
            });
    org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
    if (task != null) {
      // A cancelled or failed task must not leave its parser threads behind.
      task.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener) ctx -> parsers.shutdownNow());
    }
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
    if (parsers != null) parsers.shutdown();
    for (LineProcessor p : allProcessors) stats.addLines(p.stats);
    if (raw != null) {
      decoded.close(); // stops the read-ahead thread before this thread touches the raw stream
      try {
        raw.drain();
      } catch (IOException ignored) {
        // a broken file was already reported; its checksum covers the bytes that could be read
      }
      stats.sizeBytes = raw.bytes();
      stats.checksum = raw.checksum();
      if (gunzip != null) gunzip.close();
      raw.close();
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

  /** Lines copied out of the reader's reused buffer, for a parser thread. */
  private static final class LineBatch {
    final long firstLine;
    // Room for a full batch from the start: a batch ends after the line that passes BATCH_BYTES, so
    // only a line longer than the slack makes it grow (growing by doubling copied each batch twice).
    byte[] data = new byte[BATCH_BYTES + (1 << 16)];
    int[] starts = new int[BATCH_LINES];
    int[] lengths = new int[BATCH_LINES];
    int count;
    int size;

    LineBatch(long firstLine) {
      this.firstLine = firstLine;
    }

    void add(byte[] buf, int off, int len) {
      if (size + len > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + len));
      System.arraycopy(buf, off, data, size, len);
      starts[count] = size;
      lengths[count] = len;
      count++;
      size += len;
    }
  }
}
