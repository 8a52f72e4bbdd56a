package org.scalespace.backend.cuda;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.scalespace.model.Family;
import org.scalespace.model.Construction;
import org.scalespace.model.Templates;

/** Skip-with-reason (or fail under -Dscalespace.requireBackends=cuda) and test data for the CUDA tests. */
final class CudaTestSupport {
    private CudaTestSupport() {
    }

    static boolean required() {
        return Arrays.stream(System.getProperty("scalespace.requireBackends", "").split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).anyMatch("cuda"::equals);
    }

    /** Aborts (skips) the test when CUDA is unavailable, with the reason; fails instead when it is required. */
    static void assumeCuda() {
        Optional<String> why = CudaRuntime.unavailableReason();
        if (why.isEmpty()) {
            return;
        }
        String msg = "backend cuda is unavailable: " + why.get();
        if (required()) {
            Assertions.fail(msg + " (but -Dscalespace.requireBackends requires it)");
        }
        Assumptions.abort(msg);
    }

    /**
     * Structured filters: a random family's template at random scales (and α for dog), random gain, offset and
     * sign, plus Gaussian noise of the given relative level; every fourth one pure noise. Fixed seed.
     */
    static double[] structured(int k, int n, long seed, double noise) {
        java.util.Random r = new java.util.Random(seed);
        int kk = k * k;
        double[] out = new double[n * kk];
        Family[] fams = Family.values();
        for (int i = 0; i < n; i++) {
            double[] t;
            if (i % 4 == 3) {
                t = new double[kk];
                for (int e = 0; e < kk; e++) {
                    t[e] = r.nextGaussian();
                }
            } else {
                Family f = fams[r.nextInt(fams.length)];
                double sx = Math.exp(Math.log(0.3) + r.nextDouble() * Math.log(3.0 / 0.3));
                t = Templates.dense(f, Construction.EXACT, k, sx, Math.min(3.5, sx * (0.5 + r.nextDouble())), f == Family.DOG ? r.nextDouble() * 10 : 0);
                double norm = 0;
                for (double v : t) {
                    norm += v * v;
                }
                norm = Math.sqrt(norm / kk);
                double gain = (r.nextBoolean() ? 1 : -1) * (0.2 + r.nextDouble() * 3);
                double off = r.nextGaussian() * 0.1;
                for (int e = 0; e < kk; e++) {
                    t[e] = gain * t[e] + off + noise * norm * Math.abs(gain) * r.nextGaussian();
                }
            }
            System.arraycopy(t, 0, out, i * kk, kk);
        }
        return out;
    }
}
