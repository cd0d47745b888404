package org.oasst.pipeline.core.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What ingest must know before it writes anything: the files' statistics rows, the number of
 * quarantined lines, and whether any message id or tree id may occur twice. Gathered by the task that
 * reads a single input file as it reads ({@link #observing}), or else from the spread rows in one
 * narrow pass (no shuffle).
 *
 * <p>The spread puts all copies of an id in one partition, and a single file's reading task sees all
 * its rows: either way the rows at hand show their own repeats. It keeps a 64-bit hash per id rather
 * than the id: 8 bytes a row. A repeated hash means "maybe
 * repeated" (an equal id, or one hash collision in about 10^12 pairs), and the caller then runs the
 * exact duplicate resolution, which finds nothing to do if it was a collision.
 */
final class SpreadSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  final List<String> fileStats = new ArrayList<>();
  long quarantinedRows;
  boolean maybeRepeatedIds;

  /** The summary of one partition of spread rows (as {@link RawRecords#SCHEMA}). */
  static SpreadSummary of(Iterator<InternalRow> rows) {
    Builder b = new Builder();
    while (rows.hasNext()) b.note(rows.next());
    return b.finish();
  }

  /**
   * {@code rows} handed on unchanged; when they run out, {@code done} receives their summary. Lets
   * the pass that reads the input also summarize it, when that pass sees every row that will be
   * spread (one input file: all copies of an id are then among its rows).
   */
  static Iterator<InternalRow> observing(Iterator<InternalRow> rows, Consumer<SpreadSummary> done) {
    Builder b = new Builder();
    return new Iterator<>() {
      private boolean reported;

      @Override
      public boolean hasNext() {
        boolean more = rows.hasNext();
        if (!more && !reported) {
          reported = true;
          done.accept(b.finish());
        }
        return more;
      }

      @Override
      public InternalRow next() {
        InternalRow row = rows.next();
        b.note(row);
        return row;
      }
    };
  }

  /**
   * Notes rows one at a time. The ids' hashes are appended to arrays and sorted once at the end, where
   * a repeat shows up as two equal neighbours: inserting each into a hash set instead cost a cache
   * miss per row, on the thread that also writes every row to the shuffle.
   */
  private static final class Builder {
    private static final UTF8String MESSAGE = UTF8String.fromString(RawRecords.KIND_MESSAGE);
    private static final UTF8String TREE = UTF8String.fromString(RawRecords.KIND_TREE);
    private static final UTF8String QUARANTINE = UTF8String.fromString(RawRecords.KIND_QUARANTINE);
    private static final UTF8String FILE = UTF8String.fromString(RawRecords.KIND_FILE);

    final SpreadSummary summary = new SpreadSummary();
    private final Hashes messageIds = new Hashes();
    private final Hashes treeIds = new Hashes();

    void note(InternalRow row) {
      // compared as UTF-8 bytes: no String per row
      UTF8String kind = row.getUTF8String(RawRecords.KIND);
      if (kind.equals(MESSAGE)) {
        messageIds.add(hashOfKey(row));
      } else if (kind.equals(TREE)) {
        treeIds.add(hashOfKey(row));
      } else if (kind.equals(QUARANTINE)) {
        summary.quarantinedRows++;
      } else if (kind.equals(FILE)) {
        summary.fileStats.add(row.getUTF8String(RawRecords.STATS).toString());
      } else {
        throw new IllegalStateException("unknown row kind " + kind);
      }
    }

    SpreadSummary finish() {
      summary.maybeRepeatedIds = messageIds.hasRepeat() || treeIds.hasRepeat();
      return summary;
    }

    private static long hashOfKey(InternalRow row) {
      UTF8String key = row.getUTF8String(RawRecords.PART_KEY);
      return XXH64.hashUnsafeBytes(key.getBaseObject(), key.getBaseOffset(), key.numBytes(), 42L);
    }
  }

  /** A growing array of 64-bit hashes: 8 bytes an id. */
  static final class Hashes {
    private long[] values = new long[1 << 10];
    private int size;

    void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = v;
    }

    /** Whether a value was added twice; sorts the values. */
    boolean hasRepeat() {
      Arrays.sort(values, 0, size);
      for (int i = 1; i < size; i++) {
        if (values[i] == values[i - 1]) return true;
      }
      return false;
    }
  }

  SpreadSummary merge(SpreadSummary other) {
    SpreadSummary s = new SpreadSummary();
    s.fileStats.addAll(fileStats);
    s.fileStats.addAll(other.fileStats);
    s.quarantinedRows = quarantinedRows + other.quarantinedRows;
    s.maybeRepeatedIds = maybeRepeatedIds || other.maybeRepeatedIds;
    return s;
  }
}
