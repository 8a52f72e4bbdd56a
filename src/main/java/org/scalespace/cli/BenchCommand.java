package org.scalespace.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.bench.ConvBench;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.GaussianSpec;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code scalespace bench}: micro-benchmarks; subcommands {@code conv} and {@code fit}. */
@Command(name = "bench", description = "Benchmarks.", mixinStandardHelpOptions = true,
        subcommands = {BenchCommand.Conv.class, BenchFitCommand.class})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Standalone entry point ({@code java -cp scalespace.jar org.scalespace.cli.BenchCommand conv …}). */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
    }

    /**
     * {@code bench conv}: warms up, validates the engine's output against the scalar oracle (relative l2 ≤ 1e-5; a
     * wrong result prints no number and exits 1), then times repeated calls and prints {@code Mpx/s: <value>} last
     * (input pixels N·C·H·W per second, from the median call time).
     */
    @Command(name = "conv", mixinStandardHelpOptions = true,
            description = "Time the depthwise convolution (validated against the scalar oracle first).")
    public static final class Conv implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--shape", description = "N,C,H,W of a random input batch (fixed seed), e.g. 8,96,56,56")
        String shape;

        @Option(names = "--input", paramLabel = "FILE.npy",
                description = "time on this (N,C,H,W) float32 .npy instead of a random batch (e.g. the tensors the "
                        + "peer script times)")
        java.nio.file.Path input;

        @Option(names = "--kind", defaultValue = "separable",
                description = "separable (discrete Gaussian, one k-tap term per axis) or dense (random k×k); "
                        + "default ${DEFAULT-VALUE}")
        String kind;

        @Option(names = "--k", defaultValue = "7", description = "filter size, odd; default ${DEFAULT-VALUE}")
        int k;

        @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, opencl, simd, scalar; default auto")
        String backend;

        @Option(names = "--padding", defaultValue = "zero", description = "zero, reflect, replicate; default zero")
        String padding;

        @Option(names = "--threads", defaultValue = "0", description = "threads, 0 … 1024 (0 = all processors)")
        int threads;

        @Option(names = "--time", defaultValue = "3", description = "seconds of timed calls; default ${DEFAULT-VALUE}")
        double seconds;

        @Option(names = "--warmup", defaultValue = "2",
                description = "seconds of warm-up (and at least 10 calls); default ${DEFAULT-VALUE}")
        double warmupSeconds;

        @Option(names = "--seed", defaultValue = "1", description = "input seed; default ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--resident", description = "time the resident calls: input and output stay in the engine's "
                + "DeviceTensors (uploaded once, read back once for the check), so a device engine's figure is its "
                + "kernels without host transfers; the CPU engines' resident calls are their host calls")
        boolean resident;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            int[] s;
            float[] fromFile = null;
            try {
                if ((shape == null) == (input == null)) {
                    throw new IllegalArgumentException("give exactly one of --shape N,C,H,W or --input FILE.npy");
                }
                if (input != null) {
                    org.scalespace.io.NpyArray a = org.scalespace.io.NpyReader.read(input);
                    if (a.rank() != 4) {
                        throw new IllegalArgumentException("--input " + input + ": shape " + a.shapeString()
                                + "; accepted: (N,C,H,W)");
                    }
                    s = new int[] {a.dim(0), a.dim(1), a.dim(2), a.dim(3)};
                    fromFile = a.asFloat();
                } else {
                    s = parseShape(shape);
                }
            } catch (IllegalArgumentException | java.io.IOException e) {
                err.println("bench conv: " + e.getMessage());
                return 2;
            }
            String kd = kind.trim().toLowerCase(Locale.ROOT);
            if (!kd.equals("separable") && !kd.equals("dense")) {
                err.println("bench conv: --kind '" + kind + "'; accepted: separable, dense");
                return 2;
            }
            int maxK = 2 * GaussianSpec.MAX_RADIUS + 1;
            if (k < 1 || k % 2 == 0 || k > maxK) {
                err.println("bench conv: --k " + k + "; accepted: odd k, 1 … " + maxK + " (3, 5, 7, …)");
                return 2;
            }
            try {
                OptionChecks.seconds("--time", seconds, false);
                OptionChecks.seconds("--warmup", warmupSeconds, true);
                OptionChecks.threads("--threads", threads);
            } catch (IllegalArgumentException e) {
                err.println("bench conv: " + e.getMessage());
                return 2;
            }
            Padding pad;
            Tensor4 x;
            try {
                pad = Padding.parse(padding);
                x = Tensor4.zeros(s[0], s[1], s[2], s[3]);
            } catch (IllegalArgumentException e) {
                err.println("bench conv: " + e.getMessage());
                return 2;
            }
            ConvBench.RandomData rnd = new ConvBench.RandomData(seed);
            if (fromFile != null) {
                System.arraycopy(fromFile, 0, x.data(), 0, x.data().length);
                try {
                    x.requireFinite("--input " + input);
                } catch (IllegalArgumentException e) {
                    err.println("bench conv: " + e.getMessage());
                    return 2;
                }
            } else {
                rnd.fillNormal(x);
            }
            SeparableBank bank = null;
            DenseFilters dense = null;
            if (kd.equals("separable")) {
                bank = ConvBench.gaussianBank(x.c(), k);
            } else {
                dense = rnd.dense(x.c(), k);
            }
            Backends.ConvSelection sel;
            try {
                sel = Backends.selectConv(backend, threads);
            } catch (RuntimeException e) {
                err.println("bench conv: " + e.getMessage());
                return 2;
            }
            try (ConvEngine engine = sel.engine(); ConvEngine oracle = Backends.selectConv("scalar", 1).engine();
                 ConvBench bench = new ConvBench(engine, x, bank, dense, pad, resident)) {
                out.println("bench conv: " + sel.report() + ", kind " + kd + ", k " + k + ", padding " + pad.id()
                        + ", shape " + x.shapeString() + ", threads "
                        + (threads > 0 ? threads : Runtime.getRuntime().availableProcessors()));
                if (resident) {
                    out.println("resident: input and output in " + engine.name() + " tensors; transfers not timed");
                }
                int warmCalls = bench.warmUp(warmupSeconds);
                // validate (the warm-up output) against the scalar oracle
                double rel = bench.check(oracle);
                if (!ConvBench.passes(rel)) {
                    err.println("bench conv: VALIDATION FAILED: relative l2 against the scalar oracle = " + rel
                            + " > 1e-5; no timing reported");
                    return 1;
                }
                out.printf(Locale.ROOT, "validated against scalar: relative l2 %.3e (warm-up %d calls)%n", rel,
                        warmCalls);
                ConvBench.Timing t = bench.time(seconds);
                out.printf(Locale.ROOT, "calls %d, time per call: min %.3f ms, median %.3f ms, max %.3f ms%n",
                        t.calls(), t.min() * 1e3, t.median() * 1e3, t.max() * 1e3);
                out.printf(Locale.ROOT, "Mpx/s: %.1f%n", t.mpxPerSecond(x));
                out.flush();
                return 0;
            }
        }

        static int[] parseShape(String s) {
            String[] p = s.split(",");
            if (p.length != 4) {
                throw new IllegalArgumentException("--shape '" + s + "'; accepted: N,C,H,W (four positive integers)");
            }
            int[] r = new int[4];
            for (int i = 0; i < 4; i++) {
                try {
                    r[i] = Integer.parseInt(p[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--shape '" + s + "'; accepted: N,C,H,W (four positive "
                            + "integers)");
                }
                if (r[i] < 1) {
                    throw new IllegalArgumentException("--shape '" + s + "': every dimension must be ≥ 1");
                }
            }
            return r;
        }
    }
}
