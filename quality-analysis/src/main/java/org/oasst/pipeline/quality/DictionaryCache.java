package org.oasst.pipeline.quality;

import java.lang.reflect.Field;
import java.util.Arrays;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What the message pass derives from the values of one string column read in Parquet column batches,
 * kept per dictionary id: Spark leaves a dictionary-encoded column's values encoded in the batch, and
 * each {@code getUTF8String} copies the value's bytes out of the dictionary. That copy was a quarter
 * of the pass's time (label names: 13 a message, and role, lang, tree state), for a few dozen
 * distinct values per row group. Here each distinct value is decoded once per dictionary, and a
 * derived figure (a label's tally index, an emoji's position) looked up by its id.
 *
 * <p>Call {@link #startBatch} for each batch before reading its rows. A batch whose column has no
 * dictionary (Parquet falls back to plain pages for columns with many distinct values, such as ids)
 * is read value by value, as Spark would.
 */
final class DictionaryCache {
  /**
   * The vector's dictionary, to notice a new row group's: Spark does not expose it, and the ids of
   * one dictionary mean other values in the next.
   */
  private static final Field DICTIONARY = dictionaryField();

  private Object dictionary;
  /** The current batch's dictionary ids; null when its values are not dictionary-encoded. */
  private WritableColumnVector ids;
  private UTF8String[] strings = new UTF8String[16];
  /** Per id: the derived figure plus one (0: not derived yet). */
  private int[] derived = new int[16];

  private static Field dictionaryField() {
    try {
      Field f = WritableColumnVector.class.getDeclaredField("dictionary");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another Spark version: every value is read as Spark reads it
    }
  }

  void startBatch(ColumnVector column) {
    ids = null;
    if (DICTIONARY == null || !(column instanceof WritableColumnVector v) || !v.hasDictionary()) return;
    Object d;
    try {
      d = DICTIONARY.get(v);
    } catch (IllegalAccessException e) {
      return;
    }
    if (d == null) return;
    if (d != dictionary) {
      dictionary = d;
      Arrays.fill(strings, null);
      Arrays.fill(derived, 0);
    }
    ids = v.getDictionaryIds();
  }

  /** The value at {@code rowId} of {@code column} (not null), one object per distinct value. */
  UTF8String string(ColumnVector column, int rowId) {
    if (ids == null) return column.getUTF8String(rowId);
    int id = ids.getInt(rowId);
    if (id >= strings.length) grow(id);
    UTF8String s = strings[id];
    if (s == null) s = strings[id] = column.getUTF8String(rowId);
    return s;
  }

  /** The figure {@link #remember remembered} for the value at {@code rowId}, or -1. */
  int derived(int rowId) {
    if (ids == null) return -1;
    int id = ids.getInt(rowId);
    return id < derived.length ? derived[id] - 1 : -1;
  }

  /** Remembers {@code figure} (>= 0) for the value at {@code rowId}, if the batch has a dictionary. */
  void remember(int rowId, int figure) {
    if (ids == null) return;
    int id = ids.getInt(rowId);
    if (id >= derived.length) grow(id);
    derived[id] = figure + 1;
  }

  private void grow(int id) {
    int n = Math.max(id + 1, strings.length * 2);
    strings = Arrays.copyOf(strings, n);
    derived = Arrays.copyOf(derived, n);
  }
}
