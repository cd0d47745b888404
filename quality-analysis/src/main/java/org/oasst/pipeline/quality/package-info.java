package org.oasst.pipeline.quality;
