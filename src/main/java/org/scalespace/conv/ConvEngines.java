package org.scalespace.conv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.scalespace.backend.Backends;

/**
 * Creates convolution engines by backend name, and picks one for {@code auto} (SPEC §9: cuda → opencl → simd →
 * scalar, first available, saying why the others were skipped). Engines are found by class name, so this package
 * has no compile-time dependency on any backend (the SIMD class is only loaded once the Vector API module is known
 * to be present); a later backend adds one line to {@link #CANDIDATES}.
 */
public final class ConvEngines {
    private ConvEngines() {
    }

    /** The backends in {@code auto} order. */
    public static final List<String> ORDER = List.of("cuda", "opencl", "simd", "scalar");

    /** Engine class per backend, with its (int threads) constructor; null where not built yet. */
    private static final String[][] CANDIDATES = {
        {"cuda", "org.scalespace.backend.cuda.CudaConvEngine"},
        {"opencl", "org.scalespace.backend.opencl.OpenCLConvEngine"},
        {"simd", "org.scalespace.backend.simd.SimdConvEngine"},
        {"scalar", "org.scalespace.conv.ScalarConvEngine"},
    };

    /** An engine and a one-line account of how it was chosen. */
    public record Selection(ConvEngine engine, String report) {
    }

    /**
     * The engine named {@code backend} ({@code auto}, {@code simd}, {@code scalar}, …). {@code threads} ≤ 0 means all
     * processors (ignored by single-threaded engines).
     *
     * @throws IllegalArgumentException for an unknown name, or a named backend that is unavailable here (with why)
     */
    public static Selection select(String backend, int threads) {
        String b = backend.trim().toLowerCase(Locale.ROOT);
        if (b.equals("auto")) {
            List<String> skipped = new ArrayList<>();
            for (String name : ORDER) {
                // the pass-over reason first: it can be decided without loading the driver (see Backends)
                String why = Backends.autoSkipReason(name).map(r -> "passed over by auto: " + r).orElse(null);
                if (why == null) {
                    why = unavailableReason(name);
                }
                if (why == null) {
                    String report = "backend " + name + " (auto)" + (skipped.isEmpty() ? ""
                            : "; skipped " + String.join("; ", skipped));
                    return new Selection(create(name, threads), report);
                }
                skipped.add(name + ": " + why);
            }
            throw new IllegalStateException("no convolution backend available: " + String.join("; ", skipped));
        }
        if (!ORDER.contains(b)) {
            throw new IllegalArgumentException("unknown backend '" + backend + "'; accepted: auto, "
                    + String.join(", ", ORDER));
        }
        String why = unavailableReason(b);
        if (why != null) {
            throw new IllegalArgumentException("backend " + b + " is not available: " + why);
        }
        return new Selection(create(b, threads), "backend " + b);
    }

    /** Shorthand for {@code select(backend, threads).engine()}. */
    public static ConvEngine create(String backend, int threads) {
        String b = backend.trim().toLowerCase(Locale.ROOT);
        if (b.equals("auto")) {
            return select(b, threads).engine();
        }
        if (b.equals("scalar")) {
            return new ScalarConvEngine();
        }
        String cls = className(b);
        if (cls == null) {
            throw new IllegalArgumentException("backend " + b + " is not available: " + unavailableReason(b));
        }
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try {
            return (ConvEngine) Class.forName(cls).getConstructor(int.class).newInstance(t);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("backend " + b + ": cannot create " + cls + ": " + e, e);
        }
    }

    /** Why a backend cannot be used here, or null when it can (the reasons of {@link Backends#statuses()}). */
    public static String unavailableReason(String backend) {
        if (className(backend) == null && !backend.equals("scalar")) {
            for (Backends.Status st : Backends.statuses()) {
                if (st.name().equals(backend) && st.unavailableReason().isPresent()) {
                    return st.unavailableReason().get();
                }
            }
            return "no " + backend + " convolution engine in this build yet";
        }
        Backends.Status st = Backends.status(backend);
        if (st != null) {
            return st.unavailableReason().orElse(null);
        }
        return "unknown backend";
    }

    private static String className(String backend) {
        for (String[] c : CANDIDATES) {
            if (c[0].equals(backend)) {
                return c[1];
            }
        }
        return null;
    }
}
