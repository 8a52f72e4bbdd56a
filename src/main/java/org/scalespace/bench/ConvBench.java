package org.scalespace.bench;

import java.util.Arrays;
import java.util.Random;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.DeviceTensor;
import org.scalespace.conv.Fidelity;
import org.scalespace.conv.GaussianFilters;
import org.scalespace.conv.GaussianOutput;
import org.scalespace.conv.GaussianSpec;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The harness of {@code scalespace bench conv}: one convolution call (separable or dense, host or resident) that is
 * warmed up ({@link #warmUp}), validated against an oracle engine ({@link #check}; a wrong result must print no
 * figure) and then timed ({@link #time}). The engine and the oracle are the caller's; the harness owns the resident
 * tensors it uploads and closes them.
 */
public final class ConvBench implements AutoCloseable {

    /** Largest relative l2 against the oracle that passes {@link #check}. */
    public static final double TOLERANCE = 1e-5;
    /** Most timed calls. */
    public static final int MAX_CALLS = 100000;

    /** Call times in seconds: the number of calls, the fastest, the median and the slowest. */
    public record Timing(int calls, double min, double median, double max) {
        /** Input pixels per second at the median call time, in millions. */
        public double mpxPerSecond(Tensor4 x) {
            double px = (double) x.n() * x.c() * x.h() * x.w();
            return px / median / 1e6;
        }
    }

    /**
     * The seeded random data of the benchmark, drawn from one stream in call order: N(0,1) inputs and dense filters
     * with N(0,1)/k weights.
     */
    public static final class RandomData {
        private final Random rnd;

        public RandomData(long seed) {
            rnd = new Random(seed);
        }

        /** Fills the tensor with N(0,1) values. */
        public void fillNormal(Tensor4 x) {
            float[] xd = x.data();
            for (int i = 0; i < xd.length; i++) {
                xd[i] = (float) rnd.nextGaussian();
            }
        }

        /** Dense k×k filters, one per channel, weights N(0,1)/k. */
        public DenseFilters dense(int channels, int k) {
            float[] w = new float[channels * k * k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() / k);
            }
            return new DenseFilters(channels, k, w);
        }
    }

    /** The separable filters benchmarked: a discrete Gaussian of σ = 1 on a k×k window, one term per axis. */
    public static SeparableBank gaussianBank(int channels, int k) {
        return GaussianFilters.bank(channels, GaussianSpec.of(1.0).withRadius(k / 2), GaussianOutput.SMOOTH);
    }

    private final ConvEngine engine;
    private final Tensor4 x;
    private final SeparableBank bank;
    private final DenseFilters dense;
    private final Padding pad;
    private final boolean resident;
    private final Tensor4 y;
    private final DeviceTensor dx;
    private final DeviceTensor dy;
    private final Runnable call;

    /**
     * A benchmark of {@code engine} on {@code x} with exactly one of {@code bank} and {@code dense}; with
     * {@code resident}, input and output stay in the engine's tensors (uploaded here, read back after the warm-up for
     * the check) and each call waits for the engine to finish.
     */
    public ConvBench(ConvEngine engine, Tensor4 x, SeparableBank bank, DenseFilters dense, Padding pad,
                     boolean resident) {
        if ((bank == null) == (dense == null)) {
            throw new IllegalArgumentException("give exactly one of a separable bank and dense filters");
        }
        this.engine = engine;
        this.x = x;
        this.bank = bank;
        this.dense = dense;
        this.pad = pad;
        this.resident = resident;
        this.y = x.like();
        DeviceTensor in = resident ? engine.upload(x) : null;
        DeviceTensor out;
        try {
            out = resident ? engine.allocate(x.n(), x.c(), x.h(), x.w()) : null;
        } catch (RuntimeException | Error e) {
            if (in != null) {
                in.close();
            }
            throw e;
        }
        this.dx = in;
        this.dy = out;
        if (resident) {
            call = bank != null ? () -> {
                engine.separable(dx, bank, pad, dy);
                engine.finish();
            } : () -> {
                engine.dense(dx, dense, pad, dy);
                engine.finish();
            };
        } else {
            call = bank != null ? () -> engine.separable(x, bank, pad, y) : () -> engine.dense(x, dense, pad, y);
        }
    }

    /** Calls for {@code seconds} and at least 10 times; returns the number of calls. */
    public int warmUp(double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
        int warmCalls = 0;
        do {
            call.run();
            warmCalls++;
        } while (warmCalls < 10 || System.nanoTime() < warmEnd);
        if (resident) {
            engine.download(dy, y);
        }
        return warmCalls;
    }

    /** The relative l2 of the warm-up's output against the oracle's; it passes when ≤ {@link #TOLERANCE}. */
    public double check(ConvEngine oracle) {
        Tensor4 ref = bank != null ? oracle.separable(x, bank, pad) : oracle.dense(x, dense, pad);
        return Fidelity.relativeL2(ref.data(), y.data());
    }

    /** Whether a relative l2 from {@link #check} passes (NaN does not). */
    public static boolean passes(double relL2) {
        return relL2 <= TOLERANCE;
    }

    /** Times calls for {@code seconds}, at least 5 and at most {@link #MAX_CALLS}. */
    public Timing time(double seconds) {
        double[] times = new double[MAX_CALLS];
        int nCalls = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (nCalls < times.length && (nCalls < 5 || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            call.run();
            times[nCalls++] = (System.nanoTime() - t0) * 1e-9;
        }
        double[] t = Arrays.copyOf(times, nCalls);
        Arrays.sort(t);
        return new Timing(nCalls, t[0], t[nCalls / 2], t[nCalls - 1]);
    }

    /** Releases the resident tensors (output, then input); idempotent. */
    @Override
    public void close() {
        try {
            if (dy != null) {
                dy.close();
            }
        } finally {
            if (dx != null) {
                dx.close();
            }
        }
    }
}
