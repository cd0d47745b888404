package org.oasst.pipeline.core.io;

/** What the manifest records of one written table. */
public record OutputInfo(String path, long rows, String schema, String fingerprint) {}
