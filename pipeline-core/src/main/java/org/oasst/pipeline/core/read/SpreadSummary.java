package org.oasst.pipeline.core.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What ingest must know before it writes anything, gathered from the spread rows in one narrow pass
 * (no shuffle): the files' statistics rows, the number of quarantined lines, and whether any message
 * id or tree id may occur twice.
 *
 * <p>The spread puts all copies of an id in one partition, so a partition can see its repeats on its
 * own. It keeps a 64-bit hash per id rather than the id: 8 bytes a row. A repeated hash means "maybe
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
    return b.summary;
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
          done.accept(b.summary);
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

  /** Notes rows one at a time; the id sets stay here, so the summary itself stays small. */
  private static final class Builder {
    final SpreadSummary summary = new SpreadSummary();
    private final LongSet messageIds = new LongSet();
    private final LongSet treeIds = new LongSet();

    void note(InternalRow row) {
      switch (row.getUTF8String(RawRecords.KIND).toString()) {
        case RawRecords.KIND_MESSAGE -> noteId(messageIds, row);
        case RawRecords.KIND_TREE -> noteId(treeIds, row);
        case RawRecords.KIND_QUARANTINE -> summary.quarantinedRows++;
        case RawRecords.KIND_FILE -> summary.fileStats.add(row.getUTF8String(RawRecords.STATS).toString());
        default -> throw new IllegalStateException("unknown row kind");
      }
    }

    private void noteId(LongSet seen, InternalRow row) {
      UTF8String key = row.getUTF8String(RawRecords.PART_KEY);
      long hash = XXH64.hashUnsafeBytes(key.getBaseObject(), key.getBaseOffset(), key.numBytes(), 42L);
      if (!seen.add(hash)) summary.maybeRepeatedIds = true;
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

  /** A set of longs by open addressing: no boxing, 8 to 16 bytes per element. */
  static final class LongSet {
    private static final long EMPTY = 0L;
    private long[] slots = new long[1 << 12];
    private int size;
    private boolean hasEmptyValue;

    /** Adds {@code v}; false if it was there already. */
    boolean add(long v) {
      if (v == EMPTY) {
        boolean added = !hasEmptyValue;
        hasEmptyValue = true;
        return added;
      }
      if (2 * (size + 1) > slots.length) grow();
      if (!insert(slots, v)) return false;
      size++;
      return true;
    }

    private static boolean insert(long[] table, long v) {
      int mask = table.length - 1;
      // the hashes are already well mixed: their low bits index the table directly
      for (int i = (int) v & mask; ; i = (i + 1) & mask) {
        if (table[i] == EMPTY) {
          table[i] = v;
          return true;
        }
        if (table[i] == v) return false;
      }
    }

    private void grow() {
      long[] bigger = new long[slots.length * 2];
      for (long v : slots) if (v != EMPTY) insert(bigger, v);
      slots = bigger;
    }
  }
}
