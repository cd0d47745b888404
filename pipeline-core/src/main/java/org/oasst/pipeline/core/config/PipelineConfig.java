package org.oasst.pipeline.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pipeline's configuration: a tree of YAML maps read with dotted keys ({@code datasets.top_k}).
 * Every stage keeps its defaults in code and asks with a default, so a configuration file only has to
 * name what differs. Immutable: {@link #with} returns a copy, which keeps a config that was shipped to
 * executors from changing under them.
 */
public final class PipelineConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Map<String, Object> root;

  private PipelineConfig(Map<String, Object> root) {
    this.root = root;
  }

  public static PipelineConfig defaults() {
    return new PipelineConfig(new LinkedHashMap<>());
  }

  /** Reads a YAML file; a missing file or a document that is not a map is a clear error. */
  public static PipelineConfig load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("configuration file not found: " + file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return fromYaml(in, file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage());
    }
  }

  static PipelineConfig fromYaml(InputStream in, String origin) throws IOException {
    Object tree;
    try {
      tree = YAML.readValue(in, Object.class);
    } catch (IOException e) {
      throw new ConfigException("configuration " + origin + " is not valid YAML: " + firstLine(e));
    }
    if (tree == null) return defaults();
    if (!(tree instanceof Map)) {
      throw new ConfigException("configuration " + origin + " must be a map of settings");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) tree;
    return new PipelineConfig(deepCopy(map));
  }

  public Object get(String key) {
    Object node = root;
    for (String part : key.split("\\.")) {
      if (!(node instanceof Map)) return null;
      node = ((Map<?, ?>) node).get(part);
      if (node == null) return null;
    }
    return node;
  }

  public boolean has(String key) {
    return get(key) != null;
  }

  public String getString(String key, String def) {
    Object v = get(key);
    return v == null ? def : String.valueOf(v);
  }

  public int getInt(String key, int def) {
    return (int) getLong(key, def);
  }

  public long getLong(String key, long def) {
    Object v = get(key);
    if (v == null) return def;
    if (v instanceof Number) return ((Number) v).longValue();
    try {
      return Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a whole number, got '" + v + "'");
    }
  }

  public double getDouble(String key, double def) {
    Object v = get(key);
    if (v == null) return def;
    if (v instanceof Number) return ((Number) v).doubleValue();
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a number, got '" + v + "'");
    }
  }

  public boolean getBoolean(String key, boolean def) {
    Object v = get(key);
    if (v == null) return def;
    if (v instanceof Boolean) return (Boolean) v;
    String s = v.toString().trim().toLowerCase();
    if (s.equals("true") || s.equals("yes") || s.equals("1")) return true;
    if (s.equals("false") || s.equals("no") || s.equals("0")) return false;
    throw new ConfigException(key + " must be true or false, got '" + v + "'");
  }

  /** A YAML list, or a comma-separated string (as flags give it). */
  public List<String> getStringList(String key, List<String> def) {
    Object v = get(key);
    if (v == null) return def;
    List<String> out = new ArrayList<>();
    if (v instanceof List) {
      for (Object o : (List<?>) v) out.add(String.valueOf(o));
    } else {
      for (String s : v.toString().split(",")) {
        if (!s.isBlank()) out.add(s.trim());
      }
    }
    return Collections.unmodifiableList(out);
  }

  public PipelineConfig with(String key, Object value) {
    Map<String, Object> copy = deepCopy(root);
    String[] parts = key.split("\\.");
    Map<String, Object> node = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.get(parts[i]);
      if (!(child instanceof Map)) {
        child = new LinkedHashMap<String, Object>();
        node.put(parts[i], child);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> next = (Map<String, Object>) child;
      node = next;
    }
    node.put(parts[parts.length - 1], value);
    return new PipelineConfig(copy);
  }

  /** Applies {@code key=value} overrides (from {@code --set}); values are parsed as YAML scalars. */
  public PipelineConfig withOverride(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) throw new ConfigException("--set takes key=value, got '" + assignment + "'");
    String key = assignment.substring(0, eq).trim();
    String raw = assignment.substring(eq + 1);
    Object value;
    try {
      value = raw.isEmpty() ? "" : YAML.readValue(raw, Object.class);
    } catch (IOException e) {
      value = raw;
    }
    return with(key, value);
  }

  /** The settings as a sorted tree (stable for the manifest). */
  public Map<String, Object> asMap() {
    return sortedCopy(root);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sortedCopy(Map<String, Object> map) {
    Map<String, Object> out = new TreeMap<>();
    map.forEach((k, v) -> out.put(k, v instanceof Map ? sortedCopy((Map<String, Object>) v) : v));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach(
        (k, v) -> out.put(String.valueOf(k), v instanceof Map ? deepCopy((Map<String, Object>) v) : v));
    return out;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
