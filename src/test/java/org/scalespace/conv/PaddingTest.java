package org.scalespace.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PaddingTest {

    private static int[] map(Padding p, int n, int from, int to) {
        int[] r = new int[to - from + 1];
        for (int i = from; i <= to; i++) {
            r[i - from] = p.sourceIndex(i, n);
        }
        return r;
    }

    @Test
    void zeroReadsNothingOutside() {
        assertArrayEquals(new int[] {-1, -1, 0, 1, 2, 3, -1, -1}, map(Padding.ZERO, 4, -2, 5));
    }

    @Test
    void reflectDoesNotRepeatTheEdge() {
        // numpy.pad(np.arange(4), 3, 'reflect') = [3 2 1 0 1 2 3 2 1 0]
        assertArrayEquals(new int[] {3, 2, 1, 0, 1, 2, 3, 2, 1, 0}, map(Padding.REFLECT, 4, -3, 6));
    }

    @Test
    void reflectWiderThanTheImageRepeats() {
        // numpy.pad(np.arange(3), 6, 'reflect') = [2 1 0 1 2 1 | 0 1 2 | 1 0 1 2 1 0]
        assertArrayEquals(new int[] {2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0}, map(Padding.REFLECT, 3, -6, 8));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0}, map(Padding.REFLECT, 1, -2, 2));
        assertArrayEquals(new int[] {1, 0, 1, 0, 1, 0}, map(Padding.REFLECT, 2, -3, 2));
    }

    @Test
    void replicateRepeatsTheEdge() {
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 2, 2, 2, 2}, map(Padding.REPLICATE, 3, -3, 5));
    }

    @Test
    void parseNamesWhatIsAccepted() {
        assertEquals(Padding.REFLECT, Padding.parse(" Reflect "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Padding.parse("circular"));
        assertTrue(e.getMessage().contains("zero, reflect, replicate"), e.getMessage());
    }
}
