package org.scalespace.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.Backends;
import org.scalespace.cli.Main;
import picocli.CommandLine;

/**
 * What the CUDA backend says about itself. Runs everywhere: on a machine without a driver or device (CI, this
 * project's developer machines) it checks that CUDA is unavailable with a precise reason and that nothing crashes;
 * on a GPU machine it checks the opposite (available, selectable).
 */
class CudaAvailabilityTest {

    private static Optional<String> reason() {
        return CudaRuntime.unavailableReason();
    }

    @Test
    void statusMatchesTheProbeAndNeverThrows() {
        Backends.Status cuda = Backends.statuses().get(0);
        assertEquals("cuda", cuda.name());
        assertEquals(reason(), cuda.unavailableReason());
        reason().ifPresent(r -> {
            assertFalse(r.isBlank());
            assertFalse(r.contains("not built yet"), r);
        });
    }

    @Test
    void selectingCudaGivesAClearErrorOrTheBackend() {
        if (reason().isPresent()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.selectScorer("cuda"));
            assertEquals("backend cuda is unavailable: " + reason().get(), e.getMessage());
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                    () -> Backends.selectConv("cuda", 1));
            assertTrue(c.getMessage().contains(reason().get()), c.getMessage());
        } else {
            try (var b = Backends.selectScorer("cuda").scorer()) {
                assertEquals("cuda", b.name());
            }
        }
    }

    @Test
    void autoSkipsCudaWithTheReason() {
        Backends.Selection s = Backends.selectScorer("auto");
        try {
            if (reason().isPresent()) {
                assertEquals("backend cuda skipped: " + reason().get(), s.log().get(0));
                assertFalse(s.scorer().name().equals("cuda"));
                Backends.ConvSelection cs = Backends.selectConv("auto", 1);
                try {
                    assertTrue(cs.report().contains("cuda: " + reason().get()), cs.report());
                } finally {
                    cs.engine().close();
                }
            } else {
                assertEquals("cuda", s.scorer().name());
            }
        } finally {
            s.scorer().close();
        }
    }

    @Test
    void infoExplainsCudaAndExitsZero() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("info");
        assertEquals(0, code, err.toString());
        String text = out.toString();
        assertTrue(text.contains("CUDA:"), text);
        assertTrue(text.contains("PTX:"), text);
        if (reason().isPresent()) {
            assertTrue(text.contains("cuda    unavailable: " + reason().get()), text);
        } else {
            assertTrue(text.contains("the cuda backend uses device(s)"), text);
        }
    }

    @Test
    void withoutADriverTheReasonNamesIt() {
        boolean driver = new java.io.File("/proc/driver/nvidia/version").exists();
        org.junit.jupiter.api.Assumptions.assumeFalse(driver, "an NVIDIA driver is installed here");
        org.junit.jupiter.api.Assumptions.assumeTrue(CudaPtx.unavailableReason().isEmpty(),
                "built without nvcc: the reason is the missing PTX (checked in PtxBundleTest)");
        String r = reason().orElseThrow();
        assertTrue(r.startsWith("no NVIDIA driver") || r.contains("libcuda"), r);
    }
}
