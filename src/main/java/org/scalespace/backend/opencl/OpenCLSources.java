package org.scalespace.backend.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kernel sources from the classpath ({@code kernels/} is copied into the jar by Maven). {@code #include "x"} lines
 * are resolved relative to the including file and inlined, once per file, so the driver's compiler needs no file
 * system paths.
 */
final class OpenCLSources {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private OpenCLSources() {
    }

    /** The source of {@code kernels/<path>} with includes inlined. */
    static String load(String path) {
        return CACHE.computeIfAbsent(path, p -> expand(p, new HashSet<>()));
    }

    private static String expand(String path, Set<String> seen) {
        String norm = normalise(path);
        if (!seen.add(norm)) {
            return "";
        }
        String text = read(norm);
        StringBuilder out = new StringBuilder();
        String dir = norm.contains("/") ? norm.substring(0, norm.lastIndexOf('/') + 1) : "";
        for (String line : text.split("\n", -1)) {
            String t = line.trim();
            if (t.startsWith("#include \"") && t.endsWith("\"")) {
                String inc = t.substring("#include \"".length(), t.length() - 1);
                out.append("/* ---- ").append(normalise(dir + inc)).append(" ---- */\n");
                out.append(expand(dir + inc, seen)).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static String normalise(String path) {
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IllegalArgumentException("kernel include escapes kernels/: " + path);
                }
                parts.removeLast();
            } else {
                parts.addLast(s);
            }
        }
        return String.join("/", parts);
    }

    private static String read(String path) {
        String res = "/kernels/" + path;
        try (InputStream in = OpenCLSources.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + res + " is not on the classpath (the jar is"
                        + " built with kernels/ as resources; rebuild with mvn package)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel source " + res + ": " + e.getMessage(), e);
        }
    }
}
