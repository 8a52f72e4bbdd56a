package org.scalespace.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.DeviceFitContract;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;
import org.scalespace.fit.ScaleMode;
import org.scalespace.model.Family;

/** The CUDA coarse fit against the scalar oracle (skipped with the reason without a CUDA device; -Dscalespace.requireBackends=cuda makes that a failure). */
class CudaFitTest extends DeviceFitContract<CudaScorer> {
    @Override
    protected String backendName() {
        return "cuda";
    }

    @Override
    protected CudaScorer openBackend() {
        return new CudaScorer();
    }

    @Override
    protected CudaScorer openGlobalTables(CudaScorer backend) {
        return new CudaScorer(backend.devices(), true);
    }

    @Test
    void splitAcrossTwoWorkersMatchesOneDevice() {
        // the multi-GPU path: two workers (on the same device when there is only one) split every call
        List<CudaDevice> ds = CudaRuntime.devices();
        List<CudaDevice> two = ds.size() >= 2 ? ds.subList(0, 2) : List.of(ds.get(0), ds.get(0));
        FitOptions opt = options(Normalisation.GAIN_OFFSET, Metric.L2, Family.PAPER_EIGHT, 12, ScaleMode.SEP);
        CandidateSet cs = new CandidateSet(opt, 7, false);
        int n = 333;
        double[] filters = structured(7, n, 7L, 0.1);
        int blocks = cs.blocks();
        int[] one = new int[n * blocks];
        double[] sOne = new double[n * blocks];
        backend.coarseArgmin(new CoarseProblem(cs, filters, 0, n, opt.normalisation(), opt.metric(), null, null),
                one, sOne);
        try (CudaScorer split = new CudaScorer(two, false)) {
            int[] got = new int[n * blocks];
            double[] sGot = new double[n * blocks];
            split.coarseArgmin(new CoarseProblem(cs, filters, 0, n, opt.normalisation(), opt.metric(), null, null),
                    got, sGot);
            assertArrayEquals(one, got);
            assertArrayEquals(sOne, sGot, 0.0);
        }
    }
}
