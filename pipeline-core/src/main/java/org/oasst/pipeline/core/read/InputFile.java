package org.oasst.pipeline.core.read;

import java.io.Serializable;

/**
 * One concrete file to read, after directories and glob patterns are expanded.
 *
 * @param path fully qualified Hadoop path (file:/..., hdfs://..., s3a://...)
 * @param size length in bytes
 * @param container how its bytes are stored: {@code parquet}, {@code gzip} or {@code plain}
 */
public record InputFile(String path, long size, String container) implements Serializable {
  public static final String PARQUET = "parquet";
  public static final String GZIP = "gzip";
  public static final String PLAIN = "plain";

  public boolean isParquet() {
    return PARQUET.equals(container);
  }
}
