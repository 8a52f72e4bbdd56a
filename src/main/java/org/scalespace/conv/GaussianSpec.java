package org.scalespace.conv;

/**
 * Scales and truncation of a discrete-Gaussian filter: σx, σy in grid units (s = σ²), and either a fixed window
 * radius ({@code radius ≥ 0}; the values of the infinite kernel, not renormalised) or the adaptive radius
 * ({@code radius = -1}): the smallest R whose mass T(0)+2ΣT(1..R) ≥ 1−ε on both axes (SPEC §2).
 */
public record GaussianSpec(double sigmaX, double sigmaY, int radius, double eps) {

    /** Default truncation tolerance ε of the adaptive radius. */
    public static final double DEFAULT_EPS = 1e-8;

    /** Largest accepted radius (k = 2·4096+1). */
    public static final int MAX_RADIUS = 4096;

    public GaussianSpec {
        if (!(Double.isFinite(sigmaX) && sigmaX >= 0)) {
            throw new IllegalArgumentException("sigmaX = " + sigmaX + "; σ must be finite and ≥ 0");
        }
        if (!(Double.isFinite(sigmaY) && sigmaY >= 0)) {
            throw new IllegalArgumentException("sigmaY = " + sigmaY + "; σ must be finite and ≥ 0");
        }
        if (radius < -1 || radius > MAX_RADIUS) {
            throw new IllegalArgumentException("radius = " + radius + "; accepted: -1 (adaptive) or 0…" + MAX_RADIUS);
        }
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException("eps = " + eps + "; accepted: 0 < ε < 1");
        }
    }

    /** Adaptive radius with ε = 1e-8. */
    public static GaussianSpec of(double sigmaX, double sigmaY) {
        return new GaussianSpec(sigmaX, sigmaY, -1, DEFAULT_EPS);
    }

    /** Isotropic, adaptive radius with ε = 1e-8. */
    public static GaussianSpec of(double sigma) {
        return of(sigma, sigma);
    }

    /** The same scales with a fixed radius. */
    public GaussianSpec withRadius(int r) {
        return new GaussianSpec(sigmaX, sigmaY, r, eps);
    }

    public boolean adaptive() {
        return radius < 0;
    }
}
