package org.scalespace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scalespace.testing.TestData;

/** The exact 1-D profiles (untruncated T and its differences, window n = −3..3) against 50-digit mpmath values. */
class ProfileVectorsTest {

    private static Profile profileOf(String kind) {
        switch (kind) {
            case "T":
                return Profile.SMOOTH;
            case "delta":
                return Profile.D1;
            case "delta_plus":
                return Profile.D1P;
            case "delta_minus":
                return Profile.D1M;
            case "delta2":
                return Profile.D2;
            default:
                throw new IllegalStateException("unknown kind in exact_1d.csv: " + kind);
        }
    }

    @Test
    void exactProfilesMatchVectors() {
        List<Map<String, String>> rows = TestData.csv("/vectors/exact_1d.csv");
        assertEquals(105, rows.size(), "3 sigmas × 5 kinds × 7 taps");
        for (Map<String, String> r : rows) {
            double sigma = Double.parseDouble(r.get("sigma"));
            int n = Integer.parseInt(r.get("n"));
            double ref = Double.parseDouble(r.get("value"));
            Profile p = profileOf(r.get("kind"));
            for (boolean zeroSecond : new boolean[] {false, true}) { // no effect in the exact construction
                double[] v = p.values(Construction.EXACT, 7, sigma, zeroSecond);
                assertEquals(7, v.length);
                assertEquals(ref, v[n + 3], 1e-13 * Math.abs(ref) + 1e-16,
                        r.get("kind") + "(" + n + "; σ=" + sigma + ")");
            }
        }
    }

    @Test
    void impulseAndRowOrder() {
        double[] d = Profile.IMPULSE.values(Construction.PAPER, 5, 1.7, false);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0, 1, 0, 0}, d, 0.0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {3, 2, 1},
                Profile.toRowOrder(new double[] {1, 2, 3}), 0.0);
    }
}
