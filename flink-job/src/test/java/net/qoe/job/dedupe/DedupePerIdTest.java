package net.qoe.job.dedupe;

/** Every {@link DedupeTest} on the layout used with RocksDB: one map entry per id. */
class DedupePerIdTest extends DedupeTest {

  @Override
  net.qoe.job.window.SeriesWindows function() {
    return function("rocksdb");
  }
}
