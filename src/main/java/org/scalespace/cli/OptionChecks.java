package org.scalespace.cli;

import java.util.Locale;

/**
 * Range checks of numeric options, made before any work or output: each error names the option, the value given
 * and the accepted range, and is an {@link IllegalArgumentException} (exit status 2).
 */
final class OptionChecks {

    /** Most worker threads any command accepts (the simd engines' limit). */
    static final int MAX_THREADS = 1024;

    /** Longest time, in seconds, a timing option accepts (one day: nanosecond counts stay far from overflow). */
    static final double MAX_SECONDS = 86_400;

    private OptionChecks() {
    }

    /** {@code --threads}: 0 (all available processors) or 1 … {@value #MAX_THREADS}; returns the value. */
    static int threads(String option, int value) {
        if (value < 0 || value > MAX_THREADS) {
            throw new IllegalArgumentException(option + " " + value + "; accepted: 0 (all available processors) or "
                    + "1 … " + MAX_THREADS);
        }
        return value;
    }

    /** An integer option in {@code [lo, hi]}; returns the value. */
    static int range(String option, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException(option + " " + value + "; accepted: " + lo + " … " + hi);
        }
        return value;
    }

    /** A finite option in {@code [lo, hi]}; returns the value. */
    static double range(String option, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(option + " " + fmt(value) + "; accepted: " + fmt(lo) + " … "
                    + fmt(hi));
        }
        return value;
    }

    /** A time in seconds: finite, {@code > 0} (or {@code ≥ 0} when {@code zeroAllowed}), at most one day. */
    static double seconds(String option, double value, boolean zeroAllowed) {
        boolean low = zeroAllowed ? value >= 0 : value > 0;
        if (!(low && value <= MAX_SECONDS)) {
            throw new IllegalArgumentException(option + " " + fmt(value) + "; accepted: seconds, "
                    + (zeroAllowed ? "0" : "more than 0") + " … " + fmt(MAX_SECONDS));
        }
        return value;
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return Double.toString(v);
    }
}
