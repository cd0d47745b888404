package org.oasst.pipeline.quality.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.List;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** The tally's limits, without Spark: what is given up, and that nothing of it is shipped. */
class LabelTallyTest {
  private static final UTF8String QUALITY = UTF8String.fromString("quality");
  private static final UTF8String HUMOR = UTF8String.fromString("humor");

  private static void message(LabelTally t, int combo, double quality, double humor) {
    t.beginMessage(combo);
    t.label(t.nameAt(0, QUALITY), false, quality, false, 3);
    t.label(t.nameAt(1, HUMOR), false, humor, false, 3);
    t.endMessage();
  }

  private static int serializedSize(LabelTally t) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    return bytes.size();
  }

  @Test
  void likertMeansKeepEverything() throws IOException {
    LabelTally t = new LabelTally();
    int combo = t.combination(0, "assistant", 0, "en", true, 0);
    for (int i = 0; i < 100_000; i++) message(t, combo, (i % 17) / 16.0, (i % 5) / 4.0);
    assertFalse(t.frequenciesGivenUp);
    assertFalse(t.correlationGivenUp);
    LabelPassResult r = new LabelPassResult(List.of(t));
    assertNotNull(r.frequencyRows());
    assertNotNull(r.correlationRows());
    // 17 and 5 values in 3 scopes (all, role, lang; unranked, so no rank scope)
    assertEquals(3 * (17 + 5), r.frequencyRows().size());
    assertTrue(serializedSize(t) < 200_000, "size " + serializedSize(t));
  }

  @Test
  void continuousValuesGiveBothPartsUpAndShipNothingOfThem() throws IOException {
    LabelTally t = new LabelTally();
    int combo = t.combination(0, "assistant", 0, "en", false, 1);
    // every message two new values: the pair table outgrows 256 x 256 values first, then the
    // frequency entries pass their limit
    int messages = LabelTally.MAX_SLOTS / 2 + 10;
    for (int i = 0; i < messages; i++) message(t, combo, i * 1e-7, 1 - i * 1e-7);
    assertTrue(t.correlationGivenUp);
    assertTrue(t.frequenciesGivenUp);
    // a new combination after giving up is still counted without failing
    message(t, t.combination(1, "prompter", 1, "de", true, 0), 0.5, 0.5);
    LabelPassResult r = new LabelPassResult(List.of(t));
    assertNull(r.frequencyRows());
    assertNull(r.correlationRows());
    assertEquals(List.of("humor", "quality"), r.names());
    assertTrue(serializedSize(t) < 20_000, "size " + serializedSize(t));
  }
}
