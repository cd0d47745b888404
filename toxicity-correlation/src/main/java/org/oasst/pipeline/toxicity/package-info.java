package org.oasst.pipeline.toxicity;
