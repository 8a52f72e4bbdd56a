package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A layer read whole for the joint scale mode is refused up front when no array (or the heap) can hold it. */
class WholeLayerLimitTest {

    /** A layer of the given size whose values are never read. */
    private static LayerSource huge(int count, int k) {
        return new LayerSource() {
            public String source() {
                return "big.npy";
            }

            public String layer() {
                return "dw";
            }

            public int k() {
                return k;
            }

            public int count() {
                return count;
            }

            public void read(int from, int n, double[] dst) {
                throw new AssertionError("must not be read");
            }
        };
    }

    @Test
    void tooManyValuesForOneArray() {
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> StreamingFit.forEachSlice(huge(50_000_000, 7), true, StreamingFit.SLICE, (b, f) -> { }));
        String m = e.getMessage();
        assertTrue(m.startsWith("big.npy: layer 'dw': 50000000 filters of 7×7") && m.contains("--scale same or sep")
                && !m.contains("overflow"), m);
    }

    @Test
    void moreThanTheHeapHolds() {
        int count = (int) Math.min(Integer.MAX_VALUE / 9 - 1, Runtime.getRuntime().maxMemory() / 8 / 9 + 1);
        if ((long) count * 9 * 8 <= Runtime.getRuntime().maxMemory()) {
            return; // a heap too large to exceed with one array
        }
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> StreamingFit.forEachSlice(huge(count, 3), true, StreamingFit.SLICE, (b, f) -> { }));
        assertTrue(e.getMessage().contains("MiB the Java heap has free"), e.getMessage());
    }
}
