package org.scalespace.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Templates of the model families (SPEC §4) on a k×k window.
 *
 * <p>With Tx = T(x; σx²), Ty = T(y; σy²): {@code gauss} Tx·Ty; {@code dx}/{@code dy} central differences;
 * {@code dxp}/{@code dxm}/{@code dyp}/{@code dym} forward/backward differences; {@code dog}
 * δ₂ − α·∇²₅(T⊗T) at one σ; {@code dxx}, {@code dyy}, {@code dxy}, {@code lap} second differences. y points up.
 */
public final class Templates {

    /** Largest supported window. */
    public static final int MAX_K = 31;

    private Templates() {
    }

    /** Checks k is odd and 3 ≤ k ≤ {@value #MAX_K}; the message says what is accepted. */
    public static void checkK(int k) {
        if (k < 3 || k > MAX_K || k % 2 == 0) {
            throw new IllegalArgumentException("filter size k = " + k + " is not supported; filters must be square "
                    + "with odd k from 3 to " + MAX_K);
        }
    }

    /** The x profile (coordinate order) and y profile of a single-term family. */
    public static Profile xProfile(Family f) {
        switch (f) {
            case DX:
            case DXY:
                return Profile.D1;
            case DXP:
                return Profile.D1P;
            case DXM:
                return Profile.D1M;
            case DXX:
                return Profile.D2;
            default:
                return Profile.SMOOTH;
        }
    }

    public static Profile yProfile(Family f) {
        switch (f) {
            case DY:
            case DXY:
                return Profile.D1;
            case DYP:
                return Profile.D1P;
            case DYM:
                return Profile.D1M;
            case DYY:
                return Profile.D2;
            default:
                return Profile.SMOOTH;
        }
    }

    /**
     * The template of {@code family} at (σx, σy, α). For {@code dog}, σ = sigmaX (sigmaY is ignored) and alpha ≥ 0
     * is used; the other families ignore alpha.
     */
    public static SeparableTemplate build(Family family, Construction construction, int k,
                                          double sigmaX, double sigmaY, double alpha) {
        checkK(k);
        checkSigma("sigma_x", sigmaX);
        if (family == Family.DOG) {
            if (!(alpha >= 0.0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
            }
            sigmaY = sigmaX;
        } else {
            checkSigma("sigma_y", sigmaY);
        }
        List<SeparableTemplate.Term> terms = new ArrayList<>(3);
        switch (family) {
            case DOG: {
                double[] imp = Profile.IMPULSE.values(construction, k, 0, true);
                double[] t = Profile.SMOOTH.values(construction, k, sigmaX, true);
                double[] d2 = Profile.D2.values(construction, k, sigmaX, true);
                terms.add(new SeparableTemplate.Term(1.0, imp, imp));
                terms.add(new SeparableTemplate.Term(-alpha, d2, Profile.toRowOrder(t)));
                terms.add(new SeparableTemplate.Term(-alpha, t, Profile.toRowOrder(d2)));
                break;
            }
            case LAP: {
                double[] tx = Profile.SMOOTH.values(construction, k, sigmaX, true);
                double[] d2x = Profile.D2.values(construction, k, sigmaX, true);
                double[] ty = Profile.SMOOTH.values(construction, k, sigmaY, true);
                double[] d2y = Profile.D2.values(construction, k, sigmaY, true);
                terms.add(new SeparableTemplate.Term(1.0, d2x, Profile.toRowOrder(ty)));
                terms.add(new SeparableTemplate.Term(1.0, tx, Profile.toRowOrder(d2y)));
                break;
            }
            default: {
                double[] x = xProfile(family).values(construction, k, sigmaX, false);
                double[] y = yProfile(family).values(construction, k, sigmaY, false);
                terms.add(new SeparableTemplate.Term(1.0, x, Profile.toRowOrder(y)));
            }
        }
        return new SeparableTemplate(k, terms);
    }

    /** Dense k×k template (row-major). */
    public static double[] dense(Family family, Construction construction, int k,
                                 double sigmaX, double sigmaY, double alpha) {
        return build(family, construction, k, sigmaX, sigmaY, alpha).dense();
    }

    private static void checkSigma(String name, double sigma) {
        if (!(sigma >= 0.0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + sigma);
        }
    }
}
