package org.scalespace.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scalespace.gauss.DiscreteGaussian;
import org.scalespace.gauss.Discretisations;
import org.scalespace.gauss.KernelWindow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code scalespace kernel}: print a 1-D Gaussian kernel (or its first or second difference). */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = {"Print a 1-D Gaussian kernel, or its central first or second difference, one value per line.",
                "The window is the adaptive radius of the discrete Gaussian at --eps (or --radius); values are "
                        + "not renormalised after truncation."})
public final class KernelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--sigma", required = true, description = "standard deviation σ in grid units (s = σ²), ≥ 0")
    double sigma;

    @Option(names = "--kind", defaultValue = "discrete",
            description = "discrete | sampled | normalized-sampled | integrated (default: ${DEFAULT-VALUE})")
    String kind;

    @Option(names = "--order", defaultValue = "0", description = "0 (kernel), 1 (central difference δ), "
            + "2 (second difference δ²) (default: ${DEFAULT-VALUE})")
    int order;

    @Option(names = "--eps", defaultValue = "1e-8",
            description = "mass left outside the window, chooses the radius (default: ${DEFAULT-VALUE})")
    double eps;

    @Option(names = "--radius", description = "fixed radius instead of the adaptive one")
    Integer radius;

    @Override
    public Integer call() {
        if (!(sigma >= 0) || Double.isInfinite(sigma) || sigma > 1000) {
            throw new IllegalArgumentException("--sigma must be in [0, 1000], got " + sigma);
        }
        if (order < 0 || order > 2) {
            throw new IllegalArgumentException("--order must be 0, 1 or 2, got " + order);
        }
        if (radius != null && (radius < 0 || radius > 100000)) {
            throw new IllegalArgumentException("--radius must be in 0..100000, got " + radius);
        }
        Discretisations d = Discretisations.parse(kind);
        double s = sigma * sigma;
        int r = radius != null ? radius : DiscreteGaussian.adaptiveRadius(s, eps);
        KernelWindow kw = KernelWindow.of(d, sigma, r, order);
        double[] v = kw.values();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "# %s Gaussian, sigma = %s, s = %s, order %d, radius %d (%s)%n", d.id(),
                fmt(sigma), fmt(s), order, r, radius != null ? "fixed" : "adaptive, eps = " + fmt(eps));
        out.println("n,value");
        for (int i = 0; i < v.length; i++) {
            out.printf(Locale.ROOT, "%d,%s%n", i - r, fmt(v[i]));
        }
        out.printf(Locale.ROOT, "# sum = %s, sum n^2 value = %s%n", fmt(kw.sum()), fmt(kw.secondMoment()));
        out.flush();
        return 0;
    }

    private static String fmt(double x) {
        return Double.toString(x); // shortest representation that reads back to the same double
    }
}
