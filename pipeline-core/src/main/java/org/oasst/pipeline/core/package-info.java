package org.oasst.pipeline.core;
