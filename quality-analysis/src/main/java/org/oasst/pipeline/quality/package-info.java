/**
 * The quality analyses of the OASST paper over the normalized tables: languages, contributors,
 * labels, acceptance, ranks, leaderboard and trollboard. Each analysis is a set of pure
 * {@code Dataset<Row> -> Dataset<Row>} functions; {@link org.oasst.pipeline.quality.QualityStage}
 * reads the tables once and writes every output.
 */
package org.oasst.pipeline.quality;
