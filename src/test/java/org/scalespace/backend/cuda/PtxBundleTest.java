package org.scalespace.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PTX bundled on the class path (target/classes/cuda, i.e. the jar's cuda/): present with every variant the
 * backend asks for, {@code .version} at most 8.0, and accepted by two assemblers: ptxas from the toolkit (when on the
 * PATH or in /usr/local/cuda/bin) and the CUDA 12.6 PTX compiler bundled in JCuda (no GPU or driver needed), for
 * sm_80 and sm_90. Skipped with the reason when the build had no nvcc.
 */
class PtxBundleTest {
    private static final Pattern VERSION = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)\\s*$");
    private static final Pattern TARGET = Pattern.compile("(?m)^\\.target (\\S+)\\s*$");

    @BeforeEach
    void needsPtx() {
        Assumptions.assumeTrue(CudaPtx.unavailableReason().isEmpty(), () -> "skipped: " + CudaPtx.unavailableReason().get());
    }

    @Test
    void everyVariantTheBackendUsesIsBundled() {
        List<String> v = CudaPtx.variants();
        for (int mode = 0; mode < 4; mode++) {
            for (int t = 0; t < 2; t++) {
                assertTrue(v.contains("fit_m" + mode + "_t" + t), "fit_m" + mode + "_t" + t + " in " + v);
            }
        }
        for (int b = 0; b < 3; b++) {
            assertTrue(v.contains("conv_b" + b), "conv_b" + b + " in " + v);
        }
        for (String name : v) {
            String ptx = CudaPtx.text(name);
            String[] entries = name.startsWith("fit") ? new String[] {"ss_fit_coarse"}
                    : new String[] {"ss_conv_separable", "ss_conv_dense"};
            for (String e : entries) {
                assertTrue(ptx.contains(".entry " + e + "("), name + " has entry " + e);
            }
        }
    }

    @Test
    void isaVersionIsAtMost8() {
        for (String name : CudaPtx.variants()) {
            Matcher m = VERSION.matcher(CudaPtx.text(name));
            assertTrue(m.find(), name + ": no .version line");
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            assertTrue(major < 8 || (major == 8 && minor == 0), name + ": .version " + major + "." + minor
                    + " > 8.0");
            Matcher t = TARGET.matcher(CudaPtx.text(name));
            assertTrue(t.find(), name + ": no .target line");
            assertEquals("sm_75", t.group(1), name + ": target");
            assertFalse(CudaPtx.text(name).contains("used_bytes_mask"), name + ": ISA 8.3 pragma left in");
        }
    }

    @Test
    void jcudaPtxCompilerAssemblesEveryVariant() {
        try {
            int[] ver = new int[2];
            int[] minor = new int[1];
            assertEquals(0, JNvPTXCompiler.nvPTXCompilerGetVersion(ver, minor), "nvPTXCompilerGetVersion");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            Assumptions.abort("JCuda's PTX compiler library does not load here: " + CudaRuntime.rootMessage(e));
        }
        for (String name : CudaPtx.variants()) {
            for (String sm : new String[] {"sm_80", "sm_90"}) {
                nvPTXCompilerHandle h = new nvPTXCompilerHandle();
                byte[] ptx = CudaPtx.text(name).getBytes(StandardCharsets.US_ASCII);
                check(JNvPTXCompiler.nvPTXCompilerCreate(h, ptx.length, ptx), "nvPTXCompilerCreate", name, sm, null);
                try {
                    int s = JNvPTXCompiler.nvPTXCompilerCompile(h, 1, new String[] {"--gpu-name=" + sm});
                    check(s, "nvPTXCompilerCompile", name, sm, h);
                    long[] size = new long[1];
                    check(JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(h, size), "GetCompiledProgramSize", name,
                            sm, h);
                    assertTrue(size[0] > 0, name + " " + sm + ": empty cubin");
                } finally {
                    JNvPTXCompiler.nvPTXCompilerDestroy(h);
                }
            }
        }
    }

    private static void check(int status, String call, String name, String sm, nvPTXCompilerHandle h) {
        if (status == 0) {
            return;
        }
        String log = "";
        if (h != null) {
            long[] n = new long[1];
            if (JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(h, n) == 0 && n[0] > 0) {
                byte[] b = new byte[(int) n[0]];
                JNvPTXCompiler.nvPTXCompilerGetErrorLog(h, b);
                log = new String(b, StandardCharsets.US_ASCII).trim();
            }
        }
        fail(call + "(" + name + ", " + sm + ") returned " + status + (log.isEmpty() ? "" : ": " + log));
    }

    @Test
    void ptxasAssemblesEveryVariant() throws Exception {
        String ptxas = findPtxas();
        Assumptions.assumeTrue(ptxas != null, "ptxas not on the PATH or in /usr/local/cuda/bin");
        Path dir = Files.createTempDirectory("ptx");
        try {
            for (String name : CudaPtx.variants()) {
                Path f = dir.resolve(name + ".ptx");
                Files.writeString(f, CudaPtx.text(name), StandardCharsets.US_ASCII);
                for (String sm : new String[] {"sm_80", "sm_90"}) {
                    Process p = new ProcessBuilder(ptxas, "-arch=" + sm, "-o", "/dev/null", f.toString())
                            .redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas timed out");
                    assertEquals(0, p.exitValue(), "ptxas -arch=" + sm + " " + name + ": " + out);
                }
                Files.delete(f);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private static String findPtxas() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(d, "ptxas");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        File f = new File("/usr/local/cuda/bin/ptxas");
        return f.canExecute() ? f.getPath() : null;
    }
}
