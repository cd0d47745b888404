package org.oasst.pipeline.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parsed options of one subcommand, checked against the options it declares. */
public final class Args {
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  public static Args parse(String command, String[] argv, List<Option> declared) {
    Map<String, Option> byName = new LinkedHashMap<>();
    for (Option o : declared) byName.put(o.name(), o);
    Args args = new Args();
    for (int i = 0; i < argv.length; i++) {
      String token = argv[i];
      if (!token.startsWith("--") || token.equals("--")) {
        args.positional.add(token);
        continue;
      }
      String name = token.substring(2);
      String inline = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        inline = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Option option = byName.get(name);
      if (option == null) {
        throw new UsageException("unknown option --" + name + " for '" + command + "' (see " + command + " --help)");
      }
      List<String> list = args.values.computeIfAbsent(name, k -> new ArrayList<>());
      if (!option.takesValue()) {
        if (inline != null) throw new UsageException("--" + name + " takes no value");
        list.add("true");
        continue;
      }
      if (inline != null) {
        list.add(inline);
        continue;
      }
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
        throw new UsageException("--" + name + " needs a value: " + option.valueName());
      }
      list.add(argv[++i]);
      while (option.repeatable() && i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        list.add(argv[++i]);
      }
      if (!option.repeatable() && list.size() > 1) {
        throw new UsageException("--" + name + " given more than once");
      }
    }
    return args;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String get(String name, String def) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? def : v.get(0);
  }

  public String require(String name) {
    String v = get(name, null);
    if (v == null) throw new UsageException("--" + name + " is required");
    return v;
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  public long getLong(String name, long def) {
    String v = get(name, null);
    if (v == null) return def;
    try {
      return Long.parseLong(v.replace("_", "").replace(",", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number, got '" + v + "'");
    }
  }

  public List<String> positional() {
    return positional;
  }
}
