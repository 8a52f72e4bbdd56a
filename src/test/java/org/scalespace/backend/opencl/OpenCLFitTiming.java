package org.scalespace.backend.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.scalespace.backend.Backends;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;

/**
 * Rough fit timing (not a JMH benchmark): the bundled master key filters with random gain, offset and noise (as the
 * JMH FitBenchmark), default options, {@code Fitter} with 2 threads, the backends given alternately in one JVM so
 * that load from other processes hits them alike. Families are checked identical to the first backend's before any
 * figure is printed. Prints the best and the median of the rounds, in filters per second.
 * Run: java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:JOCL_JAR
 * org.scalespace.backend.opencl.OpenCLFitTiming [filters] [rounds] [refine] [backends...]
 */
public final class OpenCLFitTiming {
    private OpenCLFitTiming() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        boolean refine = args.length > 2 && Boolean.parseBoolean(args[2]);
        List<String> names = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            names.add(args[i]);
        }
        if (names.isEmpty()) {
            names = List.of("simd", "opencl");
        }
        FilterBank bank = syntheticBank(n, 42);
        FitOptions opt = FitOptions.defaults().withRefine(refine);
        List<CoarseScorer> bes = new ArrayList<>();
        List<Fitter> fitters = new ArrayList<>();
        for (String s : names) {
            CoarseScorer be = Backends.selectScorer(s).scorer();
            bes.add(be);
            fitters.add(new Fitter(be, opt, 2));
            System.out.println(s + ": " + be.description());
        }
        List<FitResult> want = null;
        for (int b = 0; b < fitters.size(); b++) {
            List<FitResult> got = fitters.get(b).fit(bank, x -> { });
            if (want == null) {
                want = got;
                continue;
            }
            int diff = 0;
            for (int i = 0; i < n; i++) {
                diff += want.get(i).family() != got.get(i).family() ? 1 : 0;
            }
            if (diff > 0) {
                throw new IllegalStateException(names.get(b) + ": " + diff + " of " + n + " families differ from "
                        + names.get(0));
            }
        }
        System.out.println("families identical on " + n + " filters; refine " + refine);
        double[][] rate = new double[fitters.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < fitters.size(); b++) {
                long t0 = System.nanoTime();
                fitters.get(b).fit(bank, x -> { });
                rate[b][r] = n / ((System.nanoTime() - t0) * 1e-9);
            }
        }
        for (int b = 0; b < fitters.size(); b++) {
            double[] s = rate[b].clone();
            java.util.Arrays.sort(s);
            System.out.printf("%-8s best %8.0f  median %8.0f filters/s%n", names.get(b), s[rounds - 1],
                    s[rounds / 2]);
        }
        for (CoarseScorer be : bes) {
            be.close();
        }
    }

    /** As benchmarks' FitBenchmark.syntheticBank: the 8 master key filters × gain, + offset and noise. */
    static FilterBank syntheticBank(int n, long seed) {
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
}
