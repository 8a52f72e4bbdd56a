package org.scalespace.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Padding;
import org.scalespace.backend.scalar.ScalarConvEngine;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/** The harness of {@code bench conv} on the scalar engine against itself: it validates and counts its calls. */
class ConvBenchTest {

    @Test
    void randomDataIsReproducible() {
        Tensor4 a = Tensor4.zeros(1, 2, 5, 4);
        Tensor4 b = Tensor4.zeros(1, 2, 5, 4);
        ConvBench.RandomData ra = new ConvBench.RandomData(3);
        ConvBench.RandomData rb = new ConvBench.RandomData(3);
        ra.fillNormal(a);
        rb.fillNormal(b);
        assertArrayEquals(a.data(), b.data());
        assertEquals(ra.dense(2, 3).k(), 3);
        assertTrue(ConvBench.passes(0) && ConvBench.passes(ConvBench.TOLERANCE));
        assertFalse(ConvBench.passes(Double.NaN) || ConvBench.passes(2 * ConvBench.TOLERANCE));
    }

    @Test
    void warmsUpChecksAndTimesBothKindsHostAndResident() {
        Tensor4 x = Tensor4.zeros(1, 3, 9, 11);
        ConvBench.RandomData rnd = new ConvBench.RandomData(1);
        rnd.fillNormal(x);
        SeparableBank bank = ConvBench.gaussianBank(3, 5);
        assertEquals(5, bank.k());
        DenseFilters dense = rnd.dense(3, 5);
        try (ConvEngine engine = new ScalarConvEngine(); ConvEngine oracle = new ScalarConvEngine()) {
            for (boolean resident : new boolean[] {false, true}) {
                for (int kind = 0; kind < 2; kind++) {
                    try (ConvBench b = new ConvBench(engine, x, kind == 0 ? bank : null, kind == 1 ? dense : null,
                            Padding.REFLECT, resident)) {
                        assertEquals(10, b.warmUp(0));
                        assertEquals(0.0, b.check(oracle));
                        ConvBench.Timing t = b.time(0);
                        assertEquals(5, t.calls());
                        assertTrue(t.min() <= t.median() && t.median() <= t.max());
                        assertTrue(t.mpxPerSecond(x) > 0);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> new ConvBench(engine, x, bank, dense, Padding.ZERO,
                    false));
        }
    }
}
