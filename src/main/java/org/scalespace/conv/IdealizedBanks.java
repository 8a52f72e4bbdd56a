package org.scalespace.conv;

import java.util.ArrayList;
import java.util.List;
import org.scalespace.fit.FitResult;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.Templates;

/**
 * Fit results → the idealized separable filters they describe: for each result, the family's template at its
 * (σx, σy, α) on a k×k window (α only for {@code dog}), scaled by its gain, plus its offset as a constant term
 * ({@link SeparableBank#terms}). The same bank whether the results come from a fit in memory or from a file.
 */
public final class IdealizedBanks {

    private IdealizedBanks() {
    }

    /**
     * The separable terms of one fit result's model gain·m + offset on a k×k window; for a degenerate filter's
     * result, its constant offset·1·1ᵀ (no term for the zero filter, which stays zero).
     */
    public static List<SeparableBank.Term> terms(FitResult f, Construction construction, int k) {
        if (f.degenerate()) {
            if (f.offset() == 0) {
                return List.of();
            }
            double[] ones = new double[k];
            java.util.Arrays.fill(ones, 1.0);
            return List.of(SeparableBank.Term.of(f.offset(), ones, ones));
        }
        return SeparableBank.terms(Templates.build(f.family(), construction, k, f.sigmaX(), f.sigmaY(),
                f.family() == Family.DOG ? f.alpha() : 0), f.gain(), f.offset());
    }

    /** One channel per fit result, in order. */
    public static SeparableBank of(List<FitResult> fits, Construction construction, int k) {
        List<List<SeparableBank.Term>> all = new ArrayList<>(fits.size());
        for (FitResult f : fits) {
            all.add(terms(f, construction, k));
        }
        return SeparableBank.of(k, all);
    }
}
