package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path parses doubles with Jackson's fast double parser, the tree path with {@link
 * Double#parseDouble}; both must give the very same double for every number text. Checked here on
 * easy texts (shortest representations of random doubles), random decimal texts over the whole
 * exponent range, subnormals, and the hard cases: texts within a few units of the exact midpoint
 * between two neighbouring doubles, where a parser that is not correctly rounded goes wrong.
 */
class FastDoubleParsingTest {

  private static final JsonFactory FACTORY = MessageSerde.MAPPER.getFactory();
  private static final long SEED = 77L;

  private int checked;

  @Test
  void shortestRepresentationsOfRandomDoubles() throws Exception {
    Random r = new Random(SEED);
    for (int i = 0; i < 200_000; i++) {
      double d = Double.longBitsToDouble(r.nextLong());
      if (Double.isFinite(d)) {
        check(Double.toString(d));
        check(new BigDecimal(d).round(new MathContext(17)).toString());
      }
    }
    assertThat(checked).isGreaterThan(390_000);
  }

  @Test
  void randomDecimalTextsOverTheWholeRange() throws Exception {
    Random r = new Random(SEED + 1);
    for (int i = 0; i < 200_000; i++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextBoolean()) {
        sb.append('-');
      }
      int digits = 1 + r.nextInt(r.nextInt(4) == 0 ? 60 : 20);
      int point = r.nextInt(digits + 1);
      sb.append(1 + r.nextInt(9));
      for (int k = 1; k < digits; k++) {
        if (k == point) {
          sb.append('.');
        }
        sb.append(r.nextInt(10));
      }
      if (r.nextBoolean()) {
        sb.append(r.nextBoolean() ? 'e' : 'E').append(r.nextInt(680) - 360);
      }
      check(sb.toString());
    }
    for (String s :
        new String[] {
          "0",
          "-0",
          "0.0",
          "-0.0",
          "0e0",
          "1e-400",
          "-1e-400",
          "4.9e-324",
          "2.4703282292062327e-324",
          "2.4703282292062328e-324",
          "1.7976931348623157e308",
          "1.7976931348623158e308",
          "2.2250738585072011e-308",
          "2.2250738585072012e-308",
          "9007199254740993",
          "9007199254740992.5",
          "0.1",
          "0.3",
          "100",
          "1e23",
          "8.41e21",
          "5e-324",
          "1e-323"
        }) {
      check(s);
    }
  }

  @Test
  void textsNearTheMidpointBetweenNeighbouringDoubles() throws Exception {
    Random r = new Random(SEED + 2);
    for (int i = 0; i < 40_000; i++) {
      double d =
          switch (r.nextInt(3)) {
            case 0 -> Math.abs(Double.longBitsToDouble(r.nextLong()));
            case 1 -> Math.exp(10 * r.nextGaussian());
            default -> Double.longBitsToDouble(r.nextLong() & 0x000fffffffffffffL); // subnormal
          };
      if (!Double.isFinite(d) || d == Double.MAX_VALUE) {
        continue;
      }
      BigDecimal mid =
          new BigDecimal(d).add(new BigDecimal(Math.nextUp(d))).divide(BigDecimal.valueOf(2));
      check(mid.toString());
      for (int precision : new int[] {17, 18, 20, 25, 40}) {
        check(mid.round(new MathContext(precision)).toString());
      }
      BigDecimal unit = mid.ulp().multiply(BigDecimal.TEN.pow(3));
      check(mid.add(unit).toString());
      check(mid.subtract(unit).toString());
    }
  }

  /** Asserts the fast and the standard parser read the same double from {@code [text]}. */
  private void check(String text) throws Exception {
    if (text.length() > 900) {
      return; // beyond the number length both paths reject the same way
    }
    byte[] json = ("[" + text + "]").getBytes(StandardCharsets.UTF_8);
    double standard = parse(json, false);
    double fast = parse(json, true);
    assertThat(Double.doubleToRawLongBits(fast))
        .as("%s: fast %s, standard %s", text, fast, standard)
        .isEqualTo(Double.doubleToRawLongBits(standard));
    if (text.matches(".*[.eE].*")) {
      // A float token: the standard path is Double.parseDouble. (An integer token such as "-0" is
      // read as a long and converted, on both paths alike.)
      assertThat(Double.doubleToRawLongBits(standard))
          .as(text)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
    }
    checked++;
  }

  private static double parse(byte[] json, boolean fast) throws Exception {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (fast) {
        p.enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER.mappedFeature());
      }
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
      p.nextToken();
      return p.getDoubleValue();
    }
  }
}
