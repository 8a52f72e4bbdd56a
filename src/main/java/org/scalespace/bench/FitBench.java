package org.scalespace.bench;

import java.util.Arrays;
import java.util.List;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.model.FilterBank;

/**
 * The harness of {@code scalespace bench fit}: the filters are read once, then fitted several times in the same
 * process and the best run counts, so JVM start, JIT compilation and file I/O are outside the figure. Before timing,
 * the caller checks the backend's family choices on the first filters ({@link #head}) against the scalar oracle
 * ({@link #firstFamilyMismatch}).
 */
public final class FitBench {

    private FitBench() {
    }

    /** Receives the time of each run as it ends. */
    @FunctionalInterface
    public interface RunListener {
        void ended(int run, double seconds);
    }

    /** The first {@code n} filters of a bank (at most its count), for the check against the oracle. */
    public static FilterBank head(FilterBank b, int n) {
        int m = Math.min(n, b.count());
        return new FilterBank(b.source(), b.layer(), b.k(), m, Arrays.copyOf(b.data(), m * b.k() * b.k()));
    }

    /** The index of the first result whose family differs between the two lists, or −1 when none does. */
    public static int firstFamilyMismatch(List<FitResult> mine, List<FitResult> oracle) {
        for (int i = 0; i < mine.size(); i++) {
            if (mine.get(i).family() != oracle.get(i).family()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Fits all banks {@code repeat} times and returns the seconds of the fastest run; {@code each} hears run
     * 1, 2, … as it ends.
     */
    public static double bestOf(Fitter fitter, List<FilterBank> banks, int repeat, RunListener each) {
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            for (FilterBank b : banks) {
                fitter.fit(b, x -> { });
            }
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.min(best, s);
            each.ended(r + 1, s);
        }
        return best;
    }
}
