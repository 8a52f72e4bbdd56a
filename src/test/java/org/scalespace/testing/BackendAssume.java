package org.scalespace.testing;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.scalespace.backend.Backends;

/**
 * Skips a backend's tests when the backend is unavailable on this machine, with the reason, unless the system
 * property {@value #REQUIRE} lists it (comma-separated, e.g. {@code -Dscalespace.requireBackends=simd,opencl}): then
 * an unavailable backend is a test failure, so a GPU machine cannot pass by skipping.
 */
public final class BackendAssume {

    /** System property naming the backends that must be available. */
    public static final String REQUIRE = "scalespace.requireBackends";

    private BackendAssume() {
    }

    /** The backends listed in {@value #REQUIRE} (lower case; empty when unset). */
    public static Set<String> required() {
        String v = System.getProperty(REQUIRE, "");
        return Arrays.stream(v.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Why the named backend is unavailable, or empty when it can be used. Unknown names are unavailable. */
    public static Optional<String> unavailableReason(String backend) {
        for (Backends.Status s : Backends.statuses()) {
            if (s.name().equals(backend)) {
                return s.unavailableReason();
            }
        }
        return Optional.of("no backend named '" + backend + "' is known to Backends.statuses()");
    }

    /**
     * Returns normally when the backend is available; otherwise aborts the test (skipped, with the reason), or fails it
     * when the backend is listed in {@value #REQUIRE}.
     */
    public static void assumeAvailable(String backend) {
        Optional<String> why = unavailableReason(backend);
        if (why.isEmpty()) {
            return;
        }
        String msg = "backend " + backend + " is unavailable: " + why.get();
        if (required().contains(backend)) {
            Assertions.fail(msg + " (but -D" + REQUIRE + " requires it)");
        }
        Assumptions.abort(msg);
    }
}
