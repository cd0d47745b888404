package org.oasst.pipeline.quality;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Hand-made tables whose expected figures are worked out in the tests' comments. */
public final class Fixtures {
  private Fixtures() {}

  public static Dataset<Row> languages() {
    Msg p1 = Msg.prompt("P1", "u1");
    Msg a1 = Msg.reply("A1", p1, "u2");
    Msg r1 = Msg.reply("R1", a1, "u1");
    Msg p2 = Msg.prompt("P2", "u3");
    Msg p3 = Msg.prompt("P3", "u2").lang("es");
    Msg a3 = Msg.reply("A3", p3, "u1");
    Msg p4 = Msg.prompt("P4", "u4").lang("de");
    Msg p5 = Msg.prompt("P5", "u4").lang("fr");
    Msg a5 = Msg.reply("A5", p5, "u4").lang(null);
    return Msg.table(p1, a1, r1, p2, p3, a3, p4, p5, a5);
  }

  /**
   * u1: 2 prompts (en, es), 2 prompter replies (en), 1 assistant reply (es) = 5; u2: 3 assistant
   * replies (2 en, 1 es); u3: 1 prompt (en); u4: 1 assistant reply (en); no user id: 1 prompt and
   * 1 assistant reply (en).
   */
  public static Dataset<Row> contributors() {
    Msg p1 = Msg.prompt("P1", "u1");
    Msg a1 = Msg.reply("A1", p1, "u2");
    Msg r1 = Msg.reply("R1", a1, "u1");
    Msg a2 = Msg.reply("A2", r1, "u2");
    Msg r2 = Msg.reply("R2", a2, "u1");
    Msg p2 = Msg.prompt("P2", "u1").lang("es");
    Msg a3 = Msg.reply("A3", p2, "u2");
    Msg a4 = Msg.reply("A4", p2, "u1");
    Msg p3 = Msg.prompt("P3", "u3");
    Msg a5 = Msg.reply("A5", p3, "u4");
    Msg p4 = Msg.prompt("P4", null);
    Msg a6 = Msg.reply("A6", p4, null);
    return Msg.table(p1, a1, r1, a2, r2, p2, a3, a4, p3, a5, p4, a6);
  }

  /**
   * quality: M1 prompter en 0.5 (2 reviews), M2 assistant en rank 0 1.0 (3), M3 assistant es rank 1
   * 0.25 (3), M4 prompter es 0.75 (3). spam: 0, 0, 1, 1/3. helpfulness only on M2 (0.75). M5 has no
   * labels.
   */
  public static Dataset<Row> labels() {
    Msg m1 = Msg.prompt("M1", "u1").label("quality", 0.5, 2).label("spam", 0.0, 3);
    Msg m2 = Msg.reply("M2", m1, "u2").rank(0).label("quality", 1.0, 3).label("spam", 0.0, 3)
        .label("helpfulness", 0.75, 3);
    Msg m3 = Msg.reply("M3", m1, "u3").rank(1).lang("es").label("quality", 0.25, 3)
        .label("spam", 1.0, 3);
    Msg m4 = Msg.prompt("M4", "u4").lang("es").label("quality", 0.75, 3)
        .label("spam", 1 / 3.0, 3);
    Msg m5 = Msg.prompt("M5", "u4");
    return Msg.table(m1, m2, m3, m4, m5);
  }
}
