package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.testing.TestData;

/** {@code scalespace kernel} against the mpmath vectors, and {@code scalespace info}. */
class KernelAndInfoTest {

    /** T(n; s) from discrete_gaussian.csv for one s, by n. */
    static Map<Integer, Double> vectors(String s) {
        Map<Integer, Double> m = new HashMap<>();
        for (Map<String, String> r : TestData.csv("/vectors/discrete_gaussian.csv")) {
            if (r.get("s").equals(s)) {
                m.put(Integer.parseInt(r.get("n")), Double.parseDouble(r.get("T")));
            }
        }
        return m;
    }

    /** n → value from the kernel command's CSV output (comment lines start with #). */
    static Map<Integer, Double> parse(CliTestSupport.Run r) {
        Map<Integer, Double> v = new HashMap<>();
        boolean header = false;
        for (String line : r.outLines()) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.equals("n,value")) {
                header = true;
                continue;
            }
            String[] f = line.split(",");
            v.put(Integer.parseInt(f[0]), Double.parseDouble(f[1]));
        }
        assertTrue(header, "the output has the header n,value: " + r.out());
        return v;
    }

    @Test
    void discreteKernelSumsToOneAndMatchesTheVectors() {
        CliTestSupport.Run r = CliTestSupport.run("kernel", "--sigma", "1");
        assertEquals(0, r.exit(), r.err());
        Map<Integer, Double> v = parse(r);
        Map<Integer, Double> ref = vectors("1");
        // radius: the adaptive radius at eps = 1e-8 from adaptive_radius.csv (s = 1 → 8)
        assertEquals(17, v.size());
        assertTrue(v.containsKey(-8) && v.containsKey(8) && !v.containsKey(9));
        double sum = 0;
        for (Map.Entry<Integer, Double> e : v.entrySet()) {
            double t = ref.get(Math.abs(e.getKey()));
            assertEquals(t, e.getValue(), 1e-13 * t, "T(" + e.getKey() + "; 1)");
            sum += e.getValue();
        }
        assertTrue(sum <= 1.0 + 1e-15 && sum >= 1 - 1e-8, "values of the untruncated kernel: sum " + sum);
    }

    @Test
    void differencesUseTheValuesBeyondTheWindow() {
        Map<Integer, Double> t = vectors("1");
        Map<Integer, Double> d1 = parse(CliTestSupport.run("kernel", "--sigma", "1", "--order", "1", "--radius", "9"));
        Map<Integer, Double> d2 = parse(CliTestSupport.run("kernel", "--sigma", "1", "--order", "2", "--radius", "9"));
        for (int n = -9; n <= 9; n++) {
            double tp = t.get(Math.abs(n + 1));
            double tm = t.get(Math.abs(n - 1));
            double t0 = t.get(Math.abs(n));
            assertEquals((tp - tm) / 2, d1.get(n), 1e-13 * Math.max(Math.abs(tp), Math.abs(tm)), "δT(" + n + ")");
            assertEquals(tp - 2 * t0 + tm, d2.get(n), 2e-13 * Math.max(t0, Math.max(tp, tm)), "δ²T(" + n + ")");
        }
    }

    /** A fixed window far into the tail of a wide kernel (T(±1000; 10⁴) against the mpmath value). */
    @Test
    void wideFixedWindow() {
        Map<Integer, Double> v = parse(CliTestSupport.run("kernel", "--sigma", "100", "--radius", "1000"));
        double ref = vectors("10000").get(1000);
        assertEquals(ref, v.get(1000), 1e-13 * ref);
        assertEquals(ref, v.get(-1000), 1e-13 * ref);
    }

    @Test
    void sampledKind() {
        Map<Integer, Double> v = parse(CliTestSupport.run("kernel", "--sigma", "0.5", "--kind", "sampled", "--radius", "3"));
        for (int n = -3; n <= 3; n++) {
            double g = Math.exp(-n * n / 0.5) / (Math.sqrt(2 * Math.PI) * 0.5);
            assertEquals(g, v.get(n), 1e-15 * g);
        }
    }

    @Test
    void badKernelArguments() {
        for (String[] args : new String[][] {{"kernel", "--sigma", "-1"}, {"kernel", "--sigma", "1", "--order", "3"},
            {"kernel", "--sigma", "1", "--kind", "box"}}) {
            CliTestSupport.Run r = CliTestSupport.run(args);
            assertEquals(2, r.exit(), String.join(" ", args));
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(!r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void infoNamesTheBackends() {
        CliTestSupport.Run r = CliTestSupport.run("info");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        for (String b : List.of("cuda", "opencl", "simd", "scalar")) {
            assertTrue(out.contains(b), "info should name " + b + ": " + out);
        }
        assertTrue(out.contains("JDK"), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("simd") && l.contains("available")
                && !l.contains("unavailable")), "simd available with the vector module: " + out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("scalar") && l.contains("available")), out);
    }

    /**
     * Without --add-modules jdk.incubator.vector (a child JVM), info reports simd unavailable with the reason and
     * fit's auto selection falls back: to an available OpenCL device (a CPU driver such as PoCL counts once simd is
     * missing), else to scalar.
     */
    @Test
    void withoutTheVectorModuleSimdIsUnavailableAndAutoFallsBackToScalar(@TempDir Path tmp) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String out = run(List.of(java, "-cp", cp, Main.class.getName(), "info"), tmp.resolve("info.txt"));
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("simd") && l.contains("unavailable")
                && l.contains("jdk.incubator.vector")), out);
        String both = run(List.of(java, "-cp", cp, Main.class.getName(), "fit", "--format", "csv"),
                tmp.resolve("fit.txt"));
        String fallback = org.scalespace.backend.Backends.statuses().stream()
                .anyMatch(st -> st.name().equals("opencl") && st.unavailableReason().isEmpty()) ? "opencl" : "scalar";
        assertTrue(both.contains("backend " + fallback + " chosen by auto"), both);
        if (fallback.equals("scalar")) {
            assertTrue(both.contains("backend simd skipped"), both);
        }
        assertTrue(both.contains("dyp") && both.contains("gauss"), both);
    }

    /** Runs a child process (stdout and stderr into one file), expects exit 0, returns its output. */
    private static String run(List<String> cmd, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 60 s: " + cmd);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
