package org.oasst.pipeline.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The versions the manifest records, so that a result can be tied to what produced it. */
public final class Versions {
  private Versions() {}

  public static String product() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  public static Map<String, Object> all(SparkSession spark) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("oasst_pipeline", product());
    m.put("spark", spark.version());
    m.put("scala", scala.util.Properties.versionNumberString());
    m.put("java", System.getProperty("java.version"));
    return m;
  }
}
