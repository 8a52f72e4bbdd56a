package org.scalespace.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.scalespace.backend.simd.VectorSupport;
import org.scalespace.testing.BackendAssume;

/** Backend selection (SPEC §9): names, auto's order and reasons, errors; and the test helper for skipping. */
class BackendsTest {

    @Test
    void unknownNameListsTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.selectScorer("bogus"));
        String m = e.getMessage();
        assertTrue(m.contains("bogus"), m);
        for (String name : List.of("auto", "cuda", "opencl", "simd", "scalar")) {
            assertTrue(m.contains(name), "message should list '" + name + "': " + m);
        }
    }

    @Test
    void statusesAreInAutosOrderAndScalarIsAlwaysAvailable() {
        List<Backends.Status> st = Backends.statuses();
        assertEquals(List.of("cuda", "opencl", "simd", "scalar"),
                st.stream().map(Backends.Status::name).collect(Collectors.toList()));
        assertTrue(st.get(3).unavailableReason().isEmpty(), "scalar is always available");
        for (Backends.Status s : st) {
            s.unavailableReason().ifPresent(r -> assertTrue(!r.isBlank(), s.name() + ": a reason is given"));
        }
    }

    /** With the vector module present (surefire adds it), auto picks simd and says why cuda/opencl were skipped. */
    @Test
    void autoPicksSimdWhenTheVectorModuleIsPresent() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertTrue(module, "the test JVM runs with --add-modules jdk.incubator.vector (pom.xml argLine)");
        assertTrue(VectorSupport.unavailableReason().isEmpty(), "simd should be available here: "
                + VectorSupport.unavailableReason().orElse(""));
        Backends.Selection sel = Backends.selectScorer("auto");
        try (CoarseScorer b = sel.scorer()) {
            assertEquals("simd", b.name());
            List<String> log = sel.log();
            assertTrue(log.stream().anyMatch(l -> l.contains("cuda") && l.contains("skipped")), log.toString());
            // OpenCL is either unavailable (skipped) or only a CPU device, which auto passes over while simd exists
            assertTrue(log.stream().anyMatch(l -> l.contains("opencl")
                    && (l.contains("skipped") || l.contains("passed over"))), log.toString());
            assertTrue(log.get(log.size() - 1).contains("simd") && log.get(log.size() - 1).contains("auto"),
                    log.toString());
        }
        // selection is case- and space-insensitive
        try (CoarseScorer b = Backends.selectScorer(" SCALAR ").scorer()) {
            assertEquals("scalar", b.name());
            assertTrue(!b.threadSafe(), "the oracle is single-threaded");
        }
    }

    @Test
    void anExplicitlyRequestedUnavailableBackendIsAnErrorNotAFallback() {
        for (Backends.Status s : Backends.statuses()) {
            if (s.unavailableReason().isPresent()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.selectScorer(s.name()));
                assertTrue(e.getMessage().contains(s.name()) && e.getMessage().contains("unavailable"), e.getMessage());
            }
        }
    }

    @Test
    void backendAssumeSkipsOrFailsAsConfigured() {
        String saved = System.getProperty(BackendAssume.REQUIRE);
        try {
            System.clearProperty(BackendAssume.REQUIRE);
            BackendAssume.assumeAvailable("scalar"); // available: returns
            TestAbortedException skip = assertThrows(TestAbortedException.class,
                    () -> BackendAssume.assumeAvailable("nosuch"));
            assertTrue(skip.getMessage().contains("nosuch"), skip.getMessage());
            System.setProperty(BackendAssume.REQUIRE, "simd, NoSuch ,opencl");
            assertEquals(java.util.Set.of("simd", "nosuch", "opencl"), BackendAssume.required());
            AssertionFailedError fail = assertThrows(AssertionFailedError.class,
                    () -> BackendAssume.assumeAvailable("nosuch"));
            assertTrue(fail.getMessage().contains("requires"), fail.getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty(BackendAssume.REQUIRE);
            } else {
                System.setProperty(BackendAssume.REQUIRE, saved);
            }
        }
    }

    @Test
    void coarseProblemRejectsInconsistentInput() {
        org.scalespace.fit.FitOptions opt = org.scalespace.fit.FitOptions.defaults().withSigmaRange(0.1, 2, 4)
                .withAlpha(5, 3);
        org.scalespace.fit.CandidateSet cs = new org.scalespace.fit.CandidateSet(opt, 3, false);
        double[] two = new double[18];
        assertThrows(IllegalArgumentException.class, () -> new CoarseProblem(cs, two, 1, 2,
                org.scalespace.fit.Normalisation.NONE, org.scalespace.fit.Metric.L2, null, null));
        assertThrows(IllegalArgumentException.class, () -> new CoarseProblem(cs, two, 0, 2,
                org.scalespace.fit.Normalisation.GAIN_OFFSET, org.scalespace.fit.Metric.L1, null, null));
        assertThrows(IllegalArgumentException.class, () -> new CoarseProblem(cs, two, 0, 2,
                org.scalespace.fit.Normalisation.PAPER, org.scalespace.fit.Metric.L2, new double[16], null));
    }
}
