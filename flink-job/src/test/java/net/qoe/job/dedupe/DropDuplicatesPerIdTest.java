package net.qoe.job.dedupe;

/** Every {@link DropDuplicatesTest} on the layout used with RocksDB: one map entry per id. */
class DropDuplicatesPerIdTest extends DropDuplicatesTest {

  @Override
  DropDuplicates function() {
    return DropDuplicates.forStateBackend(java.time.Duration.ofHours(24), "rocksdb");
  }
}
