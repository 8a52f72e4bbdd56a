package org.scalespace.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;
import org.scalespace.backend.cuda.CudaProvider;
import org.scalespace.backend.opencl.OpenCLProvider;
import org.scalespace.backend.scalar.ScalarProvider;
import org.scalespace.backend.simd.SimdProvider;
import org.scalespace.backend.simd.VectorSupport;
import org.scalespace.backend.spi.BackendProvider;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/**
 * The backends and their selection (SPEC §9): one {@link BackendProvider} per backend, in {@code auto}'s order cuda →
 * opencl → simd → scalar. {@code auto} takes the first that it does not pass over and that is available, and records
 * why each other one was skipped. Selection is the only place where anything falls back; a job that fails once
 * opened raises an error. Listing or constructing the providers loads no driver; probing one loads only its own.
 */
public final class Backends {

    /** Every backend, in {@code auto}'s order. */
    private static final List<BackendProvider> PROVIDERS = List.of(new CudaProvider(), new OpenCLProvider(),
            new SimdProvider(), new ScalarProvider());

    /** The backend names, in {@code auto}'s order. */
    private static final List<String> ORDER = PROVIDERS.stream().map(BackendProvider::name).toList();

    /** Names accepted by {@link #selectScorer} and {@link #selectConv}: {@code auto} and every backend. */
    public static final List<String> NAMES = names();

    /** A selected coarse-fit scorer and the log of how its backend was chosen. */
    public record Selection(CoarseScorer scorer, List<String> log) {
    }

    /** A selected convolution engine and a one-line account of how its backend was chosen. */
    public record ConvSelection(ConvEngine engine, String report) {
    }

    /** Availability of one backend: empty reason when it can be used. */
    public record Status(String name, Optional<String> unavailableReason) {
    }

    private Backends() {
    }

    private static List<String> names() {
        List<String> n = new ArrayList<>();
        n.add("auto");
        n.addAll(ORDER);
        return List.copyOf(n);
    }

    /**
     * The Java Vector API as this JVM has it (species width and lanes), or why it is unavailable: the machine fact
     * behind the simd backend, for {@code info}.
     */
    public static String vectors() {
        return VectorSupport.unavailableReason().map(r -> "unavailable: " + r).orElseGet(VectorSupport::describe);
    }

    /** Every provider, in {@code auto}'s order; probes nothing. */
    public static List<BackendProvider> providers() {
        return PROVIDERS;
    }

    /** The provider of the named backend (exact name), or empty. */
    public static Optional<BackendProvider> provider(String name) {
        return PROVIDERS.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The status of every backend, in {@code auto}'s order. */
    public static List<Status> statuses() {
        List<Status> out = new ArrayList<>();
        for (String n : ORDER) {
            out.add(status(n));
        }
        return out;
    }

    /** The status of one backend; probes only that backend (loading its driver if it has one). */
    public static Status status(String name) {
        Optional<BackendProvider> p = provider(name);
        if (p.isEmpty()) {
            return new Status(name, Optional.of("no backend named '" + name + "'; accepted: "
                    + String.join(", ", ORDER)));
        }
        return new Status(name, p.get().unavailableReason());
    }

    /**
     * Why {@code auto} passes over a backend that may be available, or empty ({@link BackendProvider#autoSkipReason};
     * e.g. an OpenCL device that is a CPU while simd is available).
     */
    public static Optional<String> autoSkipReason(String name) {
        return provider(name).flatMap(BackendProvider::autoSkipReason);
    }

    /** A backend {@code auto} did not take: passed over (it may be available) or unavailable, and why. */
    private record Skip(String name, boolean passedOver, String reason) {
    }

    /** The backend chosen for a name, and those {@code auto} skipped before it. */
    private record Choice(BackendProvider provider, boolean auto, List<Skip> skipped) {
    }

    /**
     * Resolves a name: {@code auto} takes the first backend in order that it does not pass over and that is
     * available; a backend name takes that backend if available, else {@code unavailable} is raised with its reason.
     */
    private static Choice choose(String name, BiFunction<String, String, RuntimeException> unavailable) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; accepted: " + String.join(", ", NAMES));
        }
        boolean auto = n.equals("auto");
        List<Skip> skipped = new ArrayList<>();
        for (BackendProvider p : PROVIDERS) {
            if (!auto && !n.equals(p.name())) {
                continue;
            }
            if (auto) {
                // asked first, so a driver that auto would pass over is not loaded at all when that can be decided
                // without it (the pass-over reason is empty for a backend whose driver cannot be used)
                Optional<String> pass = p.autoSkipReason();
                if (pass.isPresent()) {
                    skipped.add(new Skip(p.name(), true, pass.get()));
                    continue;
                }
            }
            Optional<String> why = p.unavailableReason();
            if (why.isPresent()) {
                if (!auto) {
                    throw unavailable.apply(p.name(), why.get());
                }
                skipped.add(new Skip(p.name(), false, why.get()));
                continue;
            }
            return new Choice(p, auto, skipped);
        }
        throw new AssertionError("the scalar backend is always available");
    }

    /**
     * Opens the coarse-fit scorer of the named backend; {@code auto} picks the first available and logs the reasons
     * for the others.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException    for a named backend that is unavailable here (with why)
     */
    public static Selection selectScorer(String name) {
        Choice c = choose(name, (b, why) -> new IllegalStateException("backend " + b + " is unavailable: " + why));
        List<String> log = new ArrayList<>();
        for (Skip s : c.skipped()) {
            log.add("backend " + s.name() + (s.passedOver() ? " passed over by auto: " : " skipped: ") + s.reason());
        }
        CoarseScorer scorer = c.provider().openScorer();
        log.add("backend " + scorer.name() + (c.auto() ? " chosen by auto: " : " as requested: ")
                + scorer.description());
        return new Selection(scorer, log);
    }

    /**
     * Opens the convolution engine of the named backend ({@code auto} picks as {@link #selectScorer} does).
     * {@code threads} ≤ 0 means all processors (ignored by single-threaded and device engines).
     *
     * @throws IllegalArgumentException for an unknown name, or a named backend that is unavailable here (with why)
     */
    public static ConvSelection selectConv(String name, int threads) {
        Choice c = choose(name, (b, why) -> new IllegalArgumentException("backend " + b + " is not available: "
                + why));
        String b = c.provider().name();
        String report;
        if (c.auto()) {
            List<String> skipped = new ArrayList<>();
            for (Skip s : c.skipped()) {
                skipped.add(s.name() + ": " + (s.passedOver() ? "passed over by auto: " : "") + s.reason());
            }
            report = "backend " + b + " (auto)" + (skipped.isEmpty() ? "" : "; skipped " + String.join("; ", skipped));
        } else {
            report = "backend " + b;
        }
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ConvEngine engine;
        try {
            engine = c.provider().openConvEngine(t);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("backend " + b + ": cannot create its convolution engine: " + e, e);
        }
        return new ConvSelection(engine, report);
    }
}
