package org.scalespace.backend.simd;

import java.util.Map;
import java.util.WeakHashMap;
import org.scalespace.backend.Backend;
import org.scalespace.backend.CoarseProblem;
import org.scalespace.fit.CandidateSet;

/**
 * The Java Vector API backend: float32 coarse scoring, vector lanes over filters; the fitter runs it on all cores.
 * Construct only after {@link VectorSupport#unavailableReason()} is empty.
 */
public final class SimdBackend implements Backend {
    private final Map<CandidateSet, SimdFitKernel.Tables> tables = new WeakHashMap<>();

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String description() {
        return "Java Vector API, " + SimdInfo.bits() + "-bit vectors (" + SimdInfo.floatLanes()
                + " float lanes), float32 coarse scoring";
    }

    @Override
    public boolean threadSafe() {
        return true;
    }

    private SimdFitKernel.Tables tables(CandidateSet cs) {
        synchronized (tables) {
            return tables.computeIfAbsent(cs, SimdFitKernel.Tables::new);
        }
    }

    @Override
    public void coarseArgmin(CoarseProblem problem, int[] best, double[] score) {
        SimdFitKernel.run(problem, tables(problem.candidates()), best, score);
    }

    @Override
    public void close() {
        synchronized (tables) {
            tables.clear();
        }
    }
}
