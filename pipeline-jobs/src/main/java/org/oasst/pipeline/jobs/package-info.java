package org.oasst.pipeline.jobs;
