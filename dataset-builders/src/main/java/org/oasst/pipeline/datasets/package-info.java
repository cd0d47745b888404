package org.oasst.pipeline.datasets;
