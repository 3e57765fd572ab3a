package net.qoe.job.ingest;

import java.util.Arrays;
import java.util.Base64;

/**
 * How much of a record a dead letter carries. Kafka takes a record of up to 1 MiB by default and
 * base64 makes a third more of it, so a dead letter that carried a large bad record whole would be
 * refused by the dead-letter producer, and the job would fail and read the same record again. A
 * dead letter keeps the first {@link #MAX_VALUE_BYTES} of the value and {@link #MAX_KEY_BYTES} of
 * the key, and says in its detail when it cut one and how long it was; the original stays in its
 * topic at the offset the letter names.
 */
public final class DeadLetterBytes {

  /** The most of a record's value a dead letter keeps (about 350 KB as base64). */
  public static final int MAX_VALUE_BYTES = 256 * 1024;

  /** The most of a record's key a dead letter keeps. */
  public static final int MAX_KEY_BYTES = 16 * 1024;

  /** The longest detail a dead letter carries, in characters. */
  public static final int MAX_DETAIL_CHARS = 4096;

  private DeadLetterBytes() {}

  /** {@code bytes} as base64, cut to the first {@code limit}; null stays null. */
  public static String base64(byte[] bytes, int limit) {
    if (bytes == null) {
      return null;
    }
    byte[] kept = bytes.length <= limit ? bytes : Arrays.copyOf(bytes, limit);
    return Base64.getEncoder().encodeToString(kept);
  }

  /**
   * {@code detail}, cut to {@link #MAX_DETAIL_CHARS}, followed by a note for the key and value when
   * they were cut.
   */
  public static String detail(String detail, byte[] key, byte[] value) {
    StringBuilder out = new StringBuilder();
    if (detail != null) {
      out.append(
          detail.length() <= MAX_DETAIL_CHARS
              ? detail
              : detail.substring(0, MAX_DETAIL_CHARS) + "…");
    }
    note(out, "key", key, MAX_KEY_BYTES);
    note(out, "value", value, MAX_VALUE_BYTES);
    return out.toString();
  }

  private static void note(StringBuilder out, String what, byte[] bytes, int limit) {
    if (bytes != null && bytes.length > limit) {
      out.append(" (")
          .append(what)
          .append(" cut to its first ")
          .append(limit)
          .append(" of ")
          .append(bytes.length)
          .append(" bytes)");
    }
  }
}
