package org.oasst.pipeline.jobs.cli;

/**
 * One command-line option. {@code valueName} null means a flag; {@code repeatable} options collect
 * every value given (also several values after one occurrence, as in {@code --input a.jsonl b.jsonl}).
 */
public record Option(String name, String valueName, boolean repeatable, String help) {
  public static Option flag(String name, String help) {
    return new Option(name, null, false, help);
  }

  public static Option value(String name, String valueName, String help) {
    return new Option(name, valueName, false, help);
  }

  public static Option values(String name, String valueName, String help) {
    return new Option(name, valueName, true, help);
  }

  public boolean takesValue() {
    return valueName != null;
  }
}
