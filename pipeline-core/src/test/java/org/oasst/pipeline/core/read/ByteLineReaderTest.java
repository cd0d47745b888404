package org.oasst.pipeline.core.read;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteLineReaderTest {

  private static int naiveIndexOfNewline(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) if (b[i] == '\n') return i;
    return -1;
  }

  @Test
  void newlineSearchAgreesWithAByteByByteScan() {
    // Bytes next to '\n' in value (0x09, 0x0B, 0x8A, 0x00, 0xFF) are where a word-wise test could
    // mark the wrong byte.
    byte[] alphabet = {'\n', 0x09, 0x0B, (byte) 0x8A, 0x00, (byte) 0xFF, 'a', '{', (byte) 0xC3};
    Random random = new Random(11);
    for (int round = 0; round < 2000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      double newlineShare = random.nextDouble() * 0.2;
      for (int i = 0; i < b.length; i++) {
        b[i] = random.nextDouble() < newlineShare ? (byte) '\n' : alphabet[1 + random.nextInt(alphabet.length - 1)];
      }
      for (int from = 0; from <= b.length; from++) {
        for (int to = from; to <= b.length; to++) {
          assertEquals(naiveIndexOfNewline(b, from, to), ByteLineReader.indexOfNewline(b, from, to));
        }
      }
    }
  }

  @Test
  void splitsLinesAcrossBufferRefillsAndDropsCarriageReturns() throws IOException {
    StringBuilder text = new StringBuilder();
    List<String> expected = new ArrayList<>();
    Random random = new Random(5);
    for (int i = 0; i < 3000; i++) {
      String line = "x".repeat(random.nextInt(random.nextInt(10) == 0 ? 200_000 : 300)) + i;
      expected.add(line);
      text.append(line).append(i % 7 == 0 ? "\r\n" : "\n");
    }
    expected.add("last line without a newline");
    text.append("last line without a newline");
    // a stream that hands out few bytes per read, so lines span many refills
    InputStream in = new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1 + random.nextInt(70_000)));
      }
    };
    ByteLineReader lines = new ByteLineReader(in);
    List<String> read = new ArrayList<>();
    while (lines.next()) {
      read.add(new String(lines.buffer(), lines.lineStart(), lines.lineLength(), StandardCharsets.UTF_8));
    }
    assertEquals(expected, read);
  }
}
