package org.scalespace.fit;

import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;

/**
 * One coarse-grid search: filters {@code [first, first+count)} of {@code filters} (row-major k×k each) against every
 * candidate of {@code candidates}.
 *
 * <p>The score of filter n and candidate c is the fit objective of the filter in its comparison frame
 * h' = (h − offset)/scale for c's family block against the candidate template m_c, at the normalisation's optimal
 * amplitude: ‖h' − (a·m_c + b)‖² for l2 (a, b closed form for gain-offset / gain; a = 1, b = 0 otherwise), or
 * Σ|h' − m_c| for l1 (only with normalisations paper and none). A {@link CoarseScorer} returns, per filter and family block,
 * the candidate index with the smallest score (ties: the lowest index) and that score.
 *
 * @param frameOffset per filter and block ({@code n*blocks + b}, n relative to first), or null for the identity
 * @param frameScale  likewise, or null
 */
public record CoarseProblem(CandidateSet candidates, double[] filters, int first, int count,
                            Normalisation normalisation, Metric metric,
                            double[] frameOffset, double[] frameScale) {

    public CoarseProblem {
        int kk = candidates.kk;
        if (first < 0 || count < 0 || (long) (first + count) * kk > filters.length) {
            throw new IllegalArgumentException("filter range [" + first + ", " + (first + count)
                    + ") outside the " + (filters.length / kk) + " filters given");
        }
        if (metric == Metric.L1 && normalisation.freeAmplitude()) {
            throw new IllegalArgumentException("l1 scoring needs normalisation paper or none");
        }
        if ((frameOffset == null) != (frameScale == null)) {
            throw new IllegalArgumentException("frame offset and scale must both be given or both be null");
        }
        if (frameOffset != null && (frameOffset.length < count * candidates.blocks()
                || frameScale.length < count * candidates.blocks())) {
            throw new IllegalArgumentException("frames must hold count × blocks values");
        }
    }

    public int blocks() {
        return candidates.blocks();
    }

    public double offset(int n, int b) {
        return frameOffset == null ? 0.0 : frameOffset[n * blocks() + b];
    }

    public double scale(int n, int b) {
        return frameScale == null ? 1.0 : frameScale[n * blocks() + b];
    }
}
