package org.scalespace.gauss;

/** Special functions the JDK lacks, to about 1e-15 relative accuracy. */
public final class Special {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Special() {
    }

    /** The error function. */
    public static double erf(double x) {
        if (Math.abs(x) < 2.0) {
            return erfSeries(x);
        }
        return x > 0 ? 1.0 - erfcFraction(x) : erfcFraction(-x) - 1.0;
    }

    /** The complementary error function 1 − erf(x), accurate in the far tail. */
    public static double erfc(double x) {
        if (x < 0.0) {
            return 2.0 - erfc(-x);
        }
        if (x < 2.0) {
            return 1.0 - erfSeries(x);
        }
        return erfcFraction(x);
    }

    /** Maclaurin series erf(x) = 2/√π Σ (−1)^n x^{2n+1} / (n! (2n+1)); for |x| < 2 it loses at most ~2 digits. */
    private static double erfSeries(double x) {
        double x2 = x * x;
        double term = x; // (−1)^n x^{2n+1} / n!
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** Continued fraction for erfc, x ≥ 2 (modified Lentz). */
    private static double erfcFraction(double x) {
        if (x > 27.3) {
            return 0.0; // below the smallest double
        }
        // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int i = 1; i < 500; i++) {
            double a = i * 0.5;
            d = x + a * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
    }
}
