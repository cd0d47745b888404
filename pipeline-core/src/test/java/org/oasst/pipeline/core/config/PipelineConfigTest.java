package org.oasst.pipeline.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {
  @Test
  void readsNestedYamlWithDottedKeysAndDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, "datasets:\n  top_k: 2\n  languages: [en, es]\n  compat: reference\nanalysis:\n  ratio: 0.25\n");
    PipelineConfig c = PipelineConfig.load(file);
    assertEquals(2, c.getInt("datasets.top_k", 1));
    assertEquals(List.of("en", "es"), c.getStringList("datasets.languages", List.of()));
    assertEquals("reference", c.getString("datasets.compat", "default"));
    assertEquals(0.25, c.getDouble("analysis.ratio", 0), 0);
    assertEquals(7, c.getInt("missing.key", 7));
  }

  @Test
  void overridesParseScalarsAndLeaveTheOriginalUnchanged() {
    PipelineConfig base = PipelineConfig.defaults().with("a.b", 1);
    PipelineConfig changed = base.withOverride("a.b=5").withOverride("a.flag=true").withOverride("a.langs=en,fr");
    assertEquals(1, base.getInt("a.b", 0));
    assertEquals(5, changed.getInt("a.b", 0));
    assertTrue(changed.getBoolean("a.flag", false));
    assertEquals(List.of("en", "fr"), changed.getStringList("a.langs", List.of()));
  }

  @Test
  void wrongValuesAndFilesAreClearErrors(@TempDir Path dir) throws Exception {
    PipelineConfig c = PipelineConfig.defaults().with("n", "many");
    ConfigException e = assertThrows(ConfigException.class, () -> c.getInt("n", 0));
    assertTrue(e.getMessage().contains("n must be a whole number"));
    assertThrows(ConfigException.class, () -> PipelineConfig.load(dir.resolve("absent.yaml")));
    Path list = dir.resolve("list.yaml");
    Files.writeString(list, "- a\n- b\n");
    assertThrows(ConfigException.class, () -> PipelineConfig.load(list));
    assertThrows(ConfigException.class, () -> c.withOverride("novalue"));
  }
}
