package org.scalespace.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.scalespace.backend.Backends;
import org.scalespace.backend.scalar.ScalarConvEngine;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Fidelity;
import org.scalespace.conv.GaussianFilters;
import org.scalespace.conv.GaussianOutput;
import org.scalespace.conv.GaussianSpec;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * Depthwise convolution, one call per operation (divide N·C·H·W by the time for pixels per second): the separable
 * 7-tap discrete Gaussian and a dense random 7×7 filter per channel, zero padding, on the ConvNeXt stage-1 shape and
 * on 16 planes of 1024², scalar vs SIMD (all cores). Before timing, the engine's output is validated against the
 * scalar oracle (relative l2 ≤ 1e-5); a mismatch fails the benchmark instead of producing a number.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBenchmark {

    @Param({"8,96,56,56", "1,16,1024,1024"})
    public String shape;

    @Param({"separable", "dense"})
    public String kind;

    @Param({"simd", "scalar"})
    public String backend;

    @Param({"7"})
    public int k;

    private ConvEngine engine;
    private Tensor4 x;
    private Tensor4 y;
    private SeparableBank bank;
    private DenseFilters dense;

    @Setup
    public void setup() {
        String[] p = shape.split(",");
        x = Tensor4.zeros(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Integer.parseInt(p[3]));
        Random rnd = new Random(1);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) rnd.nextGaussian();
        }
        y = x.like();
        bank = GaussianFilters.bank(x.c(), GaussianSpec.of(1.0).withRadius(k / 2), GaussianOutput.SMOOTH);
        float[] w = new float[x.c() * k * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() / k);
        }
        dense = new DenseFilters(x.c(), k, w);
        engine = Backends.selectConv(backend, 0).engine();
        run();
        try (ScalarConvEngine oracle = new ScalarConvEngine()) {
            Tensor4 ref = kind.equals("separable") ? oracle.separable(x, bank, Padding.ZERO)
                    : oracle.dense(x, dense, Padding.ZERO);
            double rel = Fidelity.relativeL2(ref.data(), y.data());
            if (!(rel <= 1e-5)) {
                throw new IllegalStateException(backend + " " + kind + " " + shape + ": relative l2 " + rel
                        + " against the scalar oracle > 1e-5; refusing to time a wrong result");
            }
        }
    }

    @Benchmark
    public Tensor4 run() {
        if (kind.equals("separable")) {
            engine.separable(x, bank, Padding.ZERO, y);
        } else {
            engine.dense(x, dense, Padding.ZERO, y);
        }
        return y;
    }

    @TearDown
    public void tearDown() {
        engine.close();
    }
}
