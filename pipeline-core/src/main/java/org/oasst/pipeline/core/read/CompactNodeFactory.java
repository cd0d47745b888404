package org.oasst.pipeline.core.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Builds JSON objects on small insertion-ordered array maps instead of {@link LinkedHashMap}s. The
 * objects of an OASST line have a handful to a few dozen keys; in a profile of ingest, hash map
 * inserts, entry allocation and table resizing for them were a large share of the tree-parsing
 * samples (together with the parser's duplicate-key sets, replaced at the same time, tree parsing of
 * the synthetic 1M input got about 7% faster). Field names come from Jackson's name table as the same
 * String instances, so a lookup is mostly a reference comparison. An object that grows past {@link CompactMap#LINEAR_LIMIT} keys switches to a hash map,
 * so that a line with thousands of keys is not quadratic.
 */
final class CompactNodeFactory extends JsonNodeFactory {
  private static final long serialVersionUID = 1L;

  static final CompactNodeFactory INSTANCE = new CompactNodeFactory();

  private CompactNodeFactory() {
    super();
  }

  @Override
  public ObjectNode objectNode() {
    return new ObjectNode(this, new CompactMap());
  }

  /** An insertion-ordered map on two arrays, switching to a {@link LinkedHashMap} when large. */
  static final class CompactMap extends AbstractMap<String, JsonNode> {
    static final int LINEAR_LIMIT = 32;

    private String[] keys = new String[8];
    private JsonNode[] values = new JsonNode[8];
    private int size;
    private LinkedHashMap<String, JsonNode> large;

    private int indexOf(Object key) {
      for (int i = 0; i < size; i++) {
        if (keys[i] == key) return i;
      }
      for (int i = 0; i < size; i++) {
        if (keys[i].equals(key)) return i;
      }
      return -1;
    }

    @Override
    public int size() {
      return large != null ? large.size() : size;
    }

    @Override
    public boolean containsKey(Object key) {
      return large != null ? large.containsKey(key) : indexOf(key) >= 0;
    }

    @Override
    public JsonNode get(Object key) {
      if (large != null) return large.get(key);
      int i = indexOf(key);
      return i < 0 ? null : values[i];
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
      if (large != null) return large.put(key, value);
      int i = indexOf(key);
      if (i >= 0) {
        JsonNode old = values[i];
        values[i] = value;
        return old;
      }
      if (size == LINEAR_LIMIT) {
        large = new LinkedHashMap<>(LINEAR_LIMIT * 4);
        for (int j = 0; j < size; j++) large.put(keys[j], values[j]);
        keys = null;
        values = null;
        return large.put(key, value);
      }
      if (size == keys.length) {
        keys = java.util.Arrays.copyOf(keys, size * 2);
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      keys[size] = key;
      values[size] = value;
      size++;
      return null;
    }

    @Override
    public JsonNode remove(Object key) {
      if (large != null) return large.remove(key);
      int i = indexOf(key);
      if (i < 0) return null;
      JsonNode old = values[i];
      System.arraycopy(keys, i + 1, keys, i, size - i - 1);
      System.arraycopy(values, i + 1, values, i, size - i - 1);
      size--;
      keys[size] = null;
      values[size] = null;
      return old;
    }

    @Override
    public void clear() {
      if (large != null) {
        large.clear();
        return;
      }
      java.util.Arrays.fill(keys, 0, size, null);
      java.util.Arrays.fill(values, 0, size, null);
      size = 0;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
      if (large != null) return large.entrySet();
      return new AbstractSet<>() {
        @Override
        public int size() {
          return CompactMap.this.size();
        }

        @Override
        public Iterator<Map.Entry<String, JsonNode>> iterator() {
          return new Iterator<>() {
            private int next;
            private boolean removable;

            @Override
            public boolean hasNext() {
              return next < size;
            }

            @Override
            public Map.Entry<String, JsonNode> next() {
              if (next >= size) throw new NoSuchElementException();
              int i = next++;
              removable = true;
              return new SimpleEntry<>(keys[i], values[i]) {
                private static final long serialVersionUID = 1L;

                @Override
                public JsonNode setValue(JsonNode value) {
                  values[i] = value;
                  return super.setValue(value);
                }
              };
            }

            @Override
            public void remove() {
              if (!removable) throw new IllegalStateException();
              removable = false;
              CompactMap.this.remove(keys[--next]);
            }
          };
        }
      };
    }
  }
}
