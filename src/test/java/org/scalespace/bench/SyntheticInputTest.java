package org.scalespace.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.scalespace.conv.Tensor4;

/** The 1/f batch of {@code replace}: the same for the same seed, every plane of zero mean and unit variance. */
class SyntheticInputTest {

    @Test
    void sameSeedSameBatchOtherSeedOtherBatch() {
        Tensor4 a = SyntheticInput.oneOverF(2, 3, 33, 20, 5);
        Tensor4 b = SyntheticInput.oneOverF(2, 3, 33, 20, 5);
        Tensor4 c = SyntheticInput.oneOverF(2, 3, 33, 20, 6);
        assertEquals(new Tensor4(2, 3, 33, 20, new float[2 * 3 * 33 * 20]).shapeString(), a.shapeString());
        assertArrayEquals(a.data(), b.data());
        assertFalse(Arrays.equals(a.data(), c.data()));
    }

    @Test
    void everyPlaneHasZeroMeanAndUnitVariance() {
        for (int[] s : new int[][] {{1, 2, 33, 20}, {2, 1, 1, 17}, {1, 1, 64, 64}, {1, 3, 5, 1}}) {
            Tensor4 t = SyntheticInput.oneOverF(s[0], s[1], s[2], s[3], 11);
            int plane = t.planeSize();
            for (int p = 0; p < t.planes(); p++) {
                double mean = 0;
                for (int i = 0; i < plane; i++) {
                    mean += t.data()[p * plane + i];
                }
                mean /= plane;
                double var = 0;
                for (int i = 0; i < plane; i++) {
                    double e = t.data()[p * plane + i] - mean;
                    var += e * e;
                }
                var /= plane;
                assertEquals(0, mean, 1e-5, Arrays.toString(s) + " plane " + p);
                assertEquals(1, var, 1e-5, Arrays.toString(s) + " plane " + p);
            }
        }
    }

    @Test
    void anImageIsReplicatedAsItsGreyMean() {
        Tensor4 rgb = new Tensor4(1, 3, 1, 2, new float[] {3, 6, 0, 9, 3, 3});
        Tensor4 r = SyntheticInput.replicateGrey(rgb, 4);
        assertEquals("(1,4,1,2)", r.shapeString());
        for (int ch = 0; ch < 4; ch++) {
            assertEquals(2, r.get(0, ch, 0, 0), 1e-6);
            assertEquals(6, r.get(0, ch, 0, 1), 1e-6);
        }
    }
}
