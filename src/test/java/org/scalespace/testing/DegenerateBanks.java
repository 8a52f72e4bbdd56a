package org.scalespace.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.DegenerateMode;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.fit.ScaleMode;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;

/**
 * The contract of degenerate filters (SPEC §7) on any scorer: a bank with dead (all-zero) and constant channels
 * mixed among normal ones fits to exactly the rows of fitting the normal ones alone, plus a {@code none} row per
 * degenerate channel (or no row with {@code skip}); the scorer never sees a degenerate filter.
 */
public final class DegenerateBanks {

    /** Positions of the degenerate channels in {@link #mixed}, and their constants. */
    public static final int[] DEAD = {0, 3, 4, 11};
    public static final double[] CONSTANT = {0.0, 0.25, -0.0, -1.5};
    /** Channels of {@link #mixed}. */
    public static final int CHANNELS = 14;

    private DegenerateBanks() {
    }

    /** Ten normal 7×7 filters (master key filters with gain and noise). */
    public static FilterBank normal() {
        FilterBank mk = FilterReaders.bundled();
        int kk = 49;
        int n = CHANNELS - DEAD.length;
        double[] d = new double[n * kk];
        SplittableRandom rnd = new SplittableRandom(13);
        for (int i = 0; i < n; i++) {
            for (int e = 0; e < kk; e++) {
                d[i * kk + e] = mk.data()[(i % mk.count()) * kk + e] * (0.5 + rnd.nextDouble())
                        + 0.01 * rnd.nextGaussian();
            }
        }
        return new FilterBank("mixed.npy", "dw", 7, n, d);
    }

    /** {@link #normal()}'s filters with degenerate ones at {@link #DEAD}. */
    public static FilterBank mixed() {
        FilterBank nb = normal();
        int kk = 49;
        double[] d = new double[CHANNELS * kk];
        int src = 0;
        int dead = 0;
        for (int c = 0; c < CHANNELS; c++) {
            if (dead < DEAD.length && DEAD[dead] == c) {
                java.util.Arrays.fill(d, c * kk, (c + 1) * kk, CONSTANT[dead++]);
            } else {
                System.arraycopy(nb.data(), src++ * kk, d, c * kk, kk);
            }
        }
        return new FilterBank("mixed.npy", "dw", 7, CHANNELS, d);
    }

    private static boolean isDead(int c) {
        for (int x : DEAD) {
            if (x == c) {
                return true;
            }
        }
        return false;
    }

    /** Checks every mode (and joint scale mode) on {@code scorer}, with small grids. */
    public static void check(CoarseScorer scorer, int threads) {
        FitOptions sep = FitOptions.defaults().withSigmaRange(0.05, 4, 16).withAlpha(20, 12);
        for (FitOptions opt : List.of(sep, sep.withScaleMode(ScaleMode.JOINT))) {
            String what = scorer.name() + ", scales " + opt.scaleMode().id();
            List<FitResult> alone = new Fitter(scorer, opt, threads).fit(normal(), x -> { });
            long[] done = new long[1];
            List<FitResult> rep = new Fitter(scorer, opt, threads).fit(mixed(), x -> done[0] += x);
            assertEquals(CHANNELS, done[0], what + ": progress counts every filter");
            assertEquals(CHANNELS, rep.size(), what);
            int live = 0;
            int dead = 0;
            for (int c = 0; c < CHANNELS; c++) {
                FitResult r = rep.get(c);
                assertEquals(c, r.channel(), what);
                if (isDead(c)) {
                    assertNoneRow(r, c, CONSTANT[dead++] + 0.0, 7, what);
                } else {
                    assertSame(alone.get(live++), r, c, what + ", channel " + c);
                }
            }
            List<FitResult> skip = new Fitter(scorer, opt, threads).degenerate(DegenerateMode.SKIP)
                    .fit(mixed(), x -> { });
            assertEquals(alone.size(), skip.size(), what);
            live = 0;
            for (int c = 0; c < CHANNELS; c++) {
                if (!isDead(c)) {
                    assertSame(alone.get(live), skip.get(live), c, what + ", skip, channel " + c);
                    live++;
                }
            }
            Fitter strict = new Fitter(scorer, opt, threads).degenerate(DegenerateMode.ERROR);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> strict.fit(mixed(), x -> { }));
            assertTrue(e.getMessage().contains("filter 0 is constant (all zero)"), e.getMessage());
        }
        // a bank of degenerate filters only: rows without any scoring; models are the constants
        double[] d = new double[2 * 9];
        java.util.Arrays.fill(d, 9, 18, 3.0);
        List<FitResult> only = new Fitter(scorer, sep, threads).fit(new FilterBank("z", "l", 3, 2, d), x -> { });
        assertNoneRow(only.get(0), 0, 0.0, 3, "all-degenerate bank");
        assertNoneRow(only.get(1), 1, 3.0, 3, "all-degenerate bank");
        assertArrayEquals(new double[9], only.get(0).model(), 0);
        assertArrayEquals(java.util.Arrays.copyOfRange(d, 9, 18), only.get(1).model(), 0);
    }

    /** A degenerate filter's row (SPEC §7). */
    public static void assertNoneRow(FitResult r, int channel, double c, int k, String what) {
        assertEquals(channel, r.channel(), what);
        assertTrue(r.degenerate(), what);
        assertNull(r.family(), what);
        assertEquals("none", r.familyId(), what);
        assertEquals("degenerate", r.edge(), what);
        assertTrue(!r.onEdge(), what);
        assertEquals(0.0, r.gain(), 0, what);
        assertEquals(Double.doubleToLongBits(c), Double.doubleToLongBits(r.offset()), what + ": offset");
        assertEquals(0.0, r.l2(), 0, what);
        assertEquals(0.0, r.l1(), 0, what);
        for (double v : new double[] {r.sigmaX(), r.sigmaY(), r.alpha(), r.relL2(), r.cosine()}) {
            assertTrue(Double.isNaN(v), what);
        }
        if (c == 0) {
            for (double v : new double[] {r.meanX(), r.meanY(), r.varXX(), r.varXY(), r.varYY()}) {
                assertTrue(Double.isNaN(v), what + ": zero filter: no spread measures");
            }
        } else {
            assertEquals(0.0, r.meanX(), 0, what);
            assertEquals(0.0, r.meanY(), 0, what);
            assertEquals((k * k - 1) / 12.0, r.varXX(), 0, what);
            assertEquals(0.0, r.varXY(), 0, what);
            assertEquals((k * k - 1) / 12.0, r.varYY(), 0, what);
        }
    }

    /** Every field of {@code got} equals {@code want}'s, bit for bit, except the channel ({@code channel}). */
    private static void assertSame(FitResult want, FitResult got, int channel, String what) {
        assertEquals(channel, got.channel(), what);
        assertEquals(want.family(), got.family(), what);
        double[] a = {want.sigmaX(), want.sigmaY(), want.alpha(), want.gain(), want.offset(), want.l2(), want.l1(),
            want.relL2(), want.cosine(), want.meanX(), want.meanY(), want.varXX(), want.varXY(), want.varYY()};
        double[] b = {got.sigmaX(), got.sigmaY(), got.alpha(), got.gain(), got.offset(), got.l2(), got.l1(),
            got.relL2(), got.cosine(), got.meanX(), got.meanY(), got.varXX(), got.varXY(), got.varYY()};
        assertArrayEquals(a, b, 0.0, what);
        assertEquals(want.edge(), got.edge(), what);
        assertArrayEquals(want.model(), got.model(), 0.0, what);
    }
}
