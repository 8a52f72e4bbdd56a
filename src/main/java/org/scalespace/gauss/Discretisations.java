package org.scalespace.gauss;

import java.util.Locale;

/**
 * Ways of discretising the Gaussian, for comparison (SPEC §2). Only {@link #DISCRETE} is a true scale-space kernel;
 * the others have known defects that are documented behaviour: the sampled Gaussian is too narrow at small σ and does
 * not sum to 1, the normalised sampled one is still too narrow, and the integrated one has variance σ² + 1/12 at large
 * σ.
 */
public enum Discretisations {
    /** T(n; σ²), the discrete analogue of the Gaussian. */
    DISCRETE("discrete"),
    /** g(n; σ) = exp(−n²/2σ²) / (√(2π) σ). */
    SAMPLED("sampled"),
    /** g(n; σ) / Σ_{|m|≤r} g(m; σ) over the window. */
    NORMALIZED_SAMPLED("normalized-sampled"),
    /** Φ((n+½)/σ) − Φ((n−½)/σ): the Gaussian integrated over each pixel. */
    INTEGRATED("integrated");

    private final String id;

    Discretisations(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Discretisations parse(String s) {
        for (Discretisations d : values()) {
            if (d.id.equalsIgnoreCase(s.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown kernel kind '" + s
                + "'; accepted: discrete, sampled, normalized-sampled, integrated");
    }

    /** The kernel for n = −radius..radius (index n + radius). */
    public double[] kernel(double sigma, int radius) {
        if (!(sigma >= 0.0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and >= 0, got " + sigma);
        }
        if (radius < 0) {
            throw new IllegalArgumentException("radius must be >= 0, got " + radius);
        }
        int k = 2 * radius + 1;
        double[] out = new double[k];
        switch (this) {
            case DISCRETE:
                return DiscreteGaussian.kernel(sigma * sigma, radius);
            case SAMPLED:
            case NORMALIZED_SAMPLED: {
                if (sigma == 0.0) {
                    out[radius] = 1.0; // the limit of the normalised kernel; the sampled density is a Dirac there
                    return out;
                }
                double c = 1.0 / (Math.sqrt(2.0 * Math.PI) * sigma);
                double sum = 0.0;
                for (int i = 0; i < k; i++) {
                    double n = i - radius;
                    out[i] = c * Math.exp(-n * n / (2.0 * sigma * sigma));
                    sum += out[i];
                }
                if (this == NORMALIZED_SAMPLED) {
                    for (int i = 0; i < k; i++) {
                        out[i] /= sum;
                    }
                }
                return out;
            }
            case INTEGRATED: {
                if (sigma == 0.0) {
                    out[radius] = 1.0;
                    return out;
                }
                for (int i = 0; i < k; i++) {
                    int n = Math.abs(i - radius); // symmetric: use the upper tail to avoid cancellation
                    double a = (n - 0.5) / sigma;
                    double b = (n + 0.5) / sigma;
                    out[i] = 0.5 * (Special.erfc(a / Math.sqrt(2.0)) - Special.erfc(b / Math.sqrt(2.0)));
                }
                return out;
            }
            default:
                throw new AssertionError(this);
        }
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
