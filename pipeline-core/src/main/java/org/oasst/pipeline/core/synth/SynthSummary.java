package org.oasst.pipeline.core.synth;

/**
 * What a synth run wrote.
 *
 * @param trees trees generated
 * @param messages messages generated (all of them, deleted ones included)
 * @param bytes bytes on disk (compressed size for gzip; all Parquet files for Parquet)
 * @param uncompressedBytes bytes of JSON before compression (equals {@code bytes} for plain JSONL;
 *     -1 for Parquet)
 * @param path where it was written
 * @param millis wall time of the generation and writing
 */
public record SynthSummary(
    long trees, long messages, long bytes, long uncompressedBytes, String path, long millis) {}
