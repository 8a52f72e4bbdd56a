package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** M and V (SPEC §5) of hand-made weights, with x = col − r and y = r − row (y up). */
class SpreadMeasuresTest {

    /** k×k zeros with w at (x, y). */
    static double[] at(int k, double[] w, int[][] xy) {
        int r = k / 2;
        double[] a = new double[k * k];
        for (int i = 0; i < xy.length; i++) {
            a[(r - xy[i][1]) * k + (xy[i][0] + r)] += w[i];
        }
        return a;
    }

    static void assertMoments(SpreadMeasures.Moments m, double mx, double my, double vxx, double vxy, double vyy) {
        assertEquals(mx, m.meanX(), 1e-14, "mean x");
        assertEquals(my, m.meanY(), 1e-14, "mean y");
        assertEquals(vxx, m.varXX(), 1e-14, "var xx");
        assertEquals(vxy, m.varXY(), 1e-14, "var xy");
        assertEquals(vyy, m.varYY(), 1e-14, "var yy");
    }

    @Test
    void singlePointInTheTopRightCorner() {
        // row 0, col k−1 is (x, y) = (r, r)
        double[] w = new double[25];
        w[4] = 2.5;
        assertMoments(SpreadMeasures.of(w, 5), 2, 2, 0, 0, 0);
    }

    @Test
    void twoPointsOnTheXAxis() {
        assertMoments(SpreadMeasures.of(at(5, new double[] {1, 1}, new int[][] {{-1, 0}, {1, 0}}), 5), 0, 0, 1, 0, 0);
    }

    @Test
    void diagonalPair() {
        SpreadMeasures.Moments m = SpreadMeasures.of(at(3, new double[] {1, 1}, new int[][] {{1, 1}, {-1, -1}}), 3);
        assertMoments(m, 0, 0, 1, 1, 1);
        assertEquals(0.0, m.det(), 1e-15);
    }

    @Test
    void unequalWeights() {
        // 3 at (2, −1), 1 at (−2, 1): M = (1, −½), Vxx = 16/4 − 1 = 3, Vyy = 1 − ¼, Vxy = −8/4 + ½ = −1.5
        double[] w = at(7, new double[] {3, 1}, new int[][] {{2, -1}, {-2, 1}});
        assertMoments(SpreadMeasures.of(w, 7), 1, -0.5, 3, -1.5, 0.75);
    }

    @Test
    void uniformWeightOnTheWindow() {
        // uniform on −r..r in both axes: variance (k² − 1)/12 per axis, no covariance
        int k = 7;
        double[] w = new double[k * k];
        java.util.Arrays.fill(w, 0.3);
        assertMoments(SpreadMeasures.of(w, k), 0, 0, 4, 0, 4);
        assertEquals(16.0, SpreadMeasures.of(w, k).det(), 1e-13);
    }

    @Test
    void absoluteAndWindowedVariants() {
        // |h|: signs do not matter
        double[] h = at(5, new double[] {-3, 1}, new int[][] {{2, -1}, {-2, 1}});
        assertMoments(SpreadMeasures.ofAbs(h, 5), 1, -0.5, 3, -1.5, 0.75);
        // windowed: |h|·|window|; a window weighting (−2, 1) by 3 makes the two weights equal
        double[] win = new double[25];
        java.util.Arrays.fill(win, -1.0);
        win[(2 - 1) * 5 + (-2 + 2)] = -3.0;
        assertMoments(SpreadMeasures.ofAbsWindowed(h, win, 5), 0, 0, 4, -2, 1);
    }
}
