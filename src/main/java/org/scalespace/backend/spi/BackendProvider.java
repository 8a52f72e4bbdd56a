package org.scalespace.backend.spi;

import java.io.PrintWriter;
import java.util.Optional;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/**
 * One backend (scalar, simd, opencl, cuda): whether it can run here and why not, whether {@code auto} passes it
 * over, what {@code scalespace info} says about it, and one method per job it runs, each opening that job's
 * implementation. A new job for every backend is one method here and one class per backend; a new backend is one
 * implementation of this interface, listed in {@code org.scalespace.backend.Backends}.
 *
 * <p>Constructing a provider is cheap and loads nothing of its backend: no JOCL, JCuda or Vector API class is loaded
 * until one of its methods is called, and then only that backend's. Only the registry's selection falls back to
 * another backend; a job that fails once opened raises an error.
 */
public interface BackendProvider {

    /** Short name: scalar, simd, opencl, cuda. */
    String name();

    /**
     * Empty when the backend can run here; otherwise why not (no driver, no device, no Vector API module …). Probes
     * only this backend, loading its driver if it has one; never throws.
     */
    Optional<String> unavailableReason();

    /**
     * Why {@code auto} passes over this backend although it may be available, or empty. Asked before
     * {@link #unavailableReason()}, so that a driver auto would pass over need not be loaded at all.
     */
    default Optional<String> autoSkipReason() {
        return Optional.empty();
    }

    /**
     * Writes this backend's section of {@code scalespace info} (devices, driver, what the backend would use, or why
     * none); nothing for a backend without one. Never throws for a missing driver: that is reported in the text.
     */
    default void describe(PrintWriter out) {
    }

    /** Opens the coarse-fit scorer; call only when {@link #unavailableReason()} is empty. */
    CoarseScorer openScorer();

    /**
     * Opens the convolution engine; {@code threads} (≥ 1) is ignored by single-threaded and device engines. Call only
     * when {@link #unavailableReason()} is empty.
     */
    ConvEngine openConvEngine(int threads);
}
