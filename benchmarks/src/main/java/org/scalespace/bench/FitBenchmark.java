package org.scalespace.bench;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.scalespace.backend.Backends;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;

/**
 * Bulk fitting throughput: 7×7 filters per second, 8 families, separate scales (the defaults), with and without
 * refinement, on the scalar, SIMD and OpenCL backends (opencl: the device chosen by -Dscalespace.opencl.platform /
 * -Dscalespace.opencl.device or GPU &gt; accelerator &gt; CPU; without OpenCL that parameter fails in setup with the
 * reason, so select others with {@code -p backend=simd,scalar}). Filters: the 8 master key filters with random gain, offset and
 * noise (fixed seed), so every family occurs. Before timing, the SIMD backend's families are checked against the
 * scalar oracle on the first filters; a mismatch fails the benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FitBenchmark {
    @Param({"simd", "scalar", "opencl"})
    public String backend;

    @Param({"true", "false"})
    public boolean refine;

    private CoarseScorer be;
    private Fitter fitter;
    private FilterBank bank;

    /** The 8 master key filters, each scaled by a random gain in [0.5, 1.5), shifted and perturbed by noise. */
    public static FilterBank syntheticBank(int n, long seed) {
        FilterBank mk = FilterReaders.bundled();
        Random rnd = new Random(seed);
        double[] d = new double[n * 49];
        for (int i = 0; i < n; i++) {
            double g = 0.5 + rnd.nextDouble();
            double o = 0.02 * rnd.nextGaussian();
            for (int e = 0; e < 49; e++) {
                d[i * 49 + e] = g * mk.data()[(i % 8) * 49 + e] + o + 0.03 * rnd.nextGaussian();
            }
        }
        return new FilterBank("synthetic", "synthetic", 7, n, d);
    }

    @Setup(Level.Trial)
    public void setup() {
        bank = syntheticBank(FILTERS, 42);
        be = Backends.selectScorer(backend).scorer(); // throws with the reason when the backend is unavailable
        FitOptions opt = FitOptions.defaults().withRefine(refine);
        fitter = new Fitter(be, opt, Runtime.getRuntime().availableProcessors());
        // validate against the oracle before timing anything
        FilterBank head = new FilterBank("v", "v", 7, 32, java.util.Arrays.copyOf(bank.data(), 32 * 49));
        try (CoarseScorer ref = Backends.selectScorer("scalar").scorer()) {
            List<FitResult> want = new Fitter(ref, opt, 1).fit(head, x -> { });
            List<FitResult> got = fitter.fit(head, x -> { });
            for (int i = 0; i < want.size(); i++) {
                if (want.get(i).family() != got.get(i).family()) {
                    throw new IllegalStateException("backend " + backend + " disagrees with scalar on filter " + i
                            + ": " + got.get(i).family() + " vs " + want.get(i).family());
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }

    /** Filters per invocation: the score is in filters per second. */
    static final int FILTERS = 1024;

    @Benchmark
    @OperationsPerInvocation(FILTERS)
    public List<FitResult> fitBank() {
        return fitter.fit(bank, x -> { });
    }
}
