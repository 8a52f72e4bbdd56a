package org.scalespace.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The PTX bundled in the jar under {@code cuda/} (built by kernels/cuda/build-ptx.sh during the Maven build when
 * nvcc is present), and its manifest {@code cuda/ptx.properties}.
 */
public final class CudaPtx {
    /** Classpath directory of the PTX files. */
    public static final String DIR = "cuda/";
    /** The manifest written by build-ptx.sh. */
    public static final String MANIFEST = DIR + "ptx.properties";
    /** The PTX targets this virtual architecture and newer (compute capability 7.5). */
    public static final int MIN_CC = 75;

    private CudaPtx() {
    }

    private static Properties manifest() {
        try (InputStream in = CudaPtx.class.getClassLoader().getResourceAsStream(MANIFEST)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + MANIFEST, e);
        }
    }

    /** Why the jar carries no usable PTX, or empty. */
    public static Optional<String> unavailableReason() {
        Properties p = manifest();
        if (p == null) {
            return Optional.of("no PTX in this build (built without nvcc; rebuild where /usr/local/cuda/bin/nvcc exists, "
                    + "or with -Dnvcc=/path/to/nvcc; see docs/cuda.md)");
        }
        for (String v : variants()) {
            if (CudaPtx.class.getClassLoader().getResource(DIR + v + ".ptx") == null) {
                return Optional.of("incomplete PTX in this build: " + DIR + v + ".ptx listed in " + MANIFEST
                        + " but missing");
            }
        }
        return Optional.empty();
    }

    /** Variant names listed in the manifest (empty without PTX). */
    public static List<String> variants() {
        Properties p = manifest();
        if (p == null) {
            return List.of();
        }
        return Arrays.stream(p.getProperty("variants", "").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    /** One line about the bundled PTX (toolkit, ISA, variants), or why there is none. */
    public static String describe() {
        Properties p = manifest();
        if (p == null) {
            return unavailableReason().orElse("");
        }
        return "PTX ISA " + p.getProperty("isa", "?") + ", " + p.getProperty("arch", "?") + ", "
                + variants().size() + " variants, " + p.getProperty("nvcc", "?");
    }

    public static boolean has(String variant) {
        return CudaPtx.class.getClassLoader().getResource(DIR + variant + ".ptx") != null;
    }

    /** The PTX text of a variant, NUL-terminated (as cuModuleLoadData expects). */
    public static byte[] load(String variant) {
        try (InputStream in = CudaPtx.class.getClassLoader().getResourceAsStream(DIR + variant + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("PTX " + DIR + variant + ".ptx is not in this build");
            }
            byte[] b = in.readAllBytes();
            return Arrays.copyOf(b, b.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + DIR + variant + ".ptx", e);
        }
    }

    /** The PTX text of a variant. */
    public static String text(String variant) {
        byte[] b = load(variant);
        return new String(b, 0, b.length - 1, StandardCharsets.US_ASCII);
    }
}
