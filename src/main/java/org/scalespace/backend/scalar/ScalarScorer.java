package org.scalespace.backend.scalar;

import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;
import org.scalespace.fit.Objective;

/**
 * The scalar backend's coarse-fit scorer, the reference: plain Java, double precision, one thread, no tricks. Each
 * candidate template is formed densely and the residual computed directly from its definition.
 */
public final class ScalarScorer implements CoarseScorer {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "plain Java, double precision, 1 thread (reference oracle)";
    }

    @Override
    public boolean threadSafe() {
        return false;
    }

    @Override
    public void coarseArgmin(CoarseProblem p, int[] best, double[] score) {
        CandidateSet cs = p.candidates();
        int kk = cs.kk;
        int blocks = cs.blocks();
        double[] m = new double[kk];
        double[] h = new double[kk];
        for (int n = 0; n < p.count(); n++) {
            int base = (p.first() + n) * kk;
            for (int b = 0; b < blocks; b++) {
                double off = p.offset(n, b);
                double sc = p.scale(n, b);
                for (int e = 0; e < kk; e++) {
                    h[e] = (p.filters()[base + e] - off) / sc;
                }
                double bestScore = Double.POSITIVE_INFINITY;
                int bestC = -1;
                for (int c = cs.blockStart[b]; c < cs.blockStart[b + 1]; c++) {
                    cs.denseInto(c, m, 0);
                    double s = score(h, m, p.normalisation(), p.metric());
                    if (s < bestScore || bestC < 0) {
                        bestScore = s;
                        bestC = c;
                    }
                }
                best[n * blocks + b] = bestC;
                score[n * blocks + b] = bestScore;
            }
        }
    }

    /** The objective by its definition: residual after the normalisation's optimal amplitude, formed densely. */
    static double score(double[] h, double[] m, Normalisation norm, Metric metric) {
        Objective.Eval ev = Objective.Eval.of(h, m, norm, false);
        return metric == Metric.L1 ? ev.l1 : ev.l2 * ev.l2;
    }

    @Override
    public void close() {
    }
}
