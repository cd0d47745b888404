package org.oasst.pipeline.core.read;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The exports write every date as {@code 2023-02-07T17:29:24.727400+00:00}; parsing that one shape by
 * hand is several times faster than a DateTimeFormatter. Anything else returns null and goes to the
 * general parser.
 */
final class FastTimestamps {
  private FastTimestamps() {}

  static Instant parseUtc(String s) {
    int n = s.length();
    // yyyy-MM-ddTHH:mm:ss[.f{1,9}]+00:00
    if (n < 25 || !s.endsWith("+00:00")) return null;
    if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) return null;
    int end = n - 6;
    int nanos = 0;
    if (end > 19) {
      if (s.charAt(19) != '.' || end - 20 < 1 || end - 20 > 9) return null;
      int fraction = digits(s, 20, end - 20);
      if (fraction < 0) return null;
      nanos = fraction;
      for (int i = end - 20; i < 9; i++) nanos *= 10;
    } else if (end != 19) {
      return null;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    try {
      long epochDay = LocalDate.of(year, month, day).toEpochDay();
      return Instant.ofEpochSecond(epochDay * 86400L + hour * 3600L + minute * 60L + second, nanos);
    } catch (java.time.DateTimeException e) {
      return null; // e.g. February 30th: let the general parser produce the error
    }
  }

  private static int digits(String s, int from, int len) {
    int v = 0;
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
