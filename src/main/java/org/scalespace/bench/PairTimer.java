package org.scalespace.bench;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Median call times of two paths, timed alternately (call of a, call of b, …) so that both see the same machine
 * state, after a warm-up of both, alternately: the vector kernels are compiled by the JIT on first use, and the two
 * paths share some of them. The warm-up lasts {@value #WARMUP_NANOS} ns the first time a kernel key (e.g. filter size
 * and plane width, on which the kernels that run depend) is timed, {@value #MIN_WARMUP_NANOS} ns after that, so that
 * a model with many layers of one shape pays for compilation once; at least 3 and at most 20,000 warm-up pairs.
 * One timer remembers the keys it has warmed up.
 */
public final class PairTimer {

    /** Warm-up of a kernel key already timed by this timer. */
    public static final long MIN_WARMUP_NANOS = 200_000_000L;
    /** Warm-up the first time a kernel key is timed. */
    public static final long WARMUP_NANOS = 1_500_000_000L;

    private final int reps;
    /** Kernel keys already timed. */
    private final Set<String> warmed = new HashSet<>();

    /** A timer of {@code reps} ≥ 1 timed calls per path. */
    public PairTimer(int reps) {
        if (reps < 1) {
            throw new IllegalArgumentException("reps must be ≥ 1, got " + reps);
        }
        this.reps = reps;
    }

    /** The median seconds per call of a and of b, {a, b}. */
    public double[] time(Runnable a, Runnable b, String kernels) {
        long warm = warmed.add(kernels) ? WARMUP_NANOS : MIN_WARMUP_NANOS;
        long end = System.nanoTime() + warm;
        for (int i = 0; i < 3 || (i < 20000 && System.nanoTime() < end); i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[reps];
        double[] tb = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            a.run();
            long t1 = System.nanoTime();
            b.run();
            long t2 = System.nanoTime();
            ta[i] = (t1 - t0) * 1e-9;
            tb[i] = (t2 - t1) * 1e-9;
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        return new double[] {ta[reps / 2], tb[reps / 2]};
    }
}
