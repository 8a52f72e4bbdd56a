package org.scalespace.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.scalespace.backend.simd.VectorSupport;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;
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

    /**
     * Listing the providers and opening both jobs of the scalar backend load no JOCL, JCuda or Vector API class, nor
     * the classes of the other backends that would: the registry's classes are loaded afresh by a loader that records
     * every class they ask for.
     */
    @Test
    void selectingScalarLoadsNoOtherBackend() throws Exception {
        Recording loader = new Recording(BackendsTest.class.getClassLoader());
        Class<?> backends = Class.forName("org.scalespace.backend.Backends", true, loader);
        assertTrue(backends.getClassLoader() == loader, "the registry is loaded afresh");
        List<?> providers = (List<?>) backends.getMethod("providers").invoke(null);
        List<String> names = new java.util.ArrayList<>();
        for (Object p : providers) {
            names.add((String) p.getClass().getMethod("name").invoke(p));
        }
        assertEquals(List.of("cuda", "opencl", "simd", "scalar"), names);
        Object sel = backends.getMethod("selectScorer", String.class).invoke(null, "scalar");
        try (AutoCloseable scorer = (AutoCloseable) sel.getClass().getMethod("scorer").invoke(sel)) {
            assertEquals("scalar", scorer.getClass().getMethod("name").invoke(scorer));
        }
        Object conv = backends.getMethod("selectConv", String.class, int.class).invoke(null, "scalar", 2);
        try (AutoCloseable engine = (AutoCloseable) conv.getClass().getMethod("engine").invoke(conv)) {
            assertEquals("scalar", engine.getClass().getMethod("name").invoke(engine));
        }
        assertTrue(loader.asked.contains("org.scalespace.backend.scalar.ScalarConvEngine"), "the loader recorded");
        for (String c : loader.asked) {
            assertTrue(!c.startsWith("org.jocl.") && !c.startsWith("jcuda.") && !c.startsWith("jdk.incubator.vector."),
                    "loaded " + c);
        }
        for (String c : List.of("org.scalespace.backend.cuda.CudaRuntime", "org.scalespace.backend.cuda.CudaScorer",
                "org.scalespace.backend.opencl.OpenCLRuntime", "org.scalespace.backend.opencl.OpenCLScorer",
                "org.scalespace.backend.simd.SimdInfo", "org.scalespace.backend.simd.SimdScorer",
                "org.scalespace.backend.simd.SimdConvEngine")) {
            assertTrue(!loader.asked.contains(c), "loaded " + c);
        }
    }

    /** Loads org.scalespace classes itself (from the parent's class files) and records every class name asked for. */
    private static final class Recording extends ClassLoader {
        final Set<String> asked = ConcurrentHashMap.newKeySet();

        Recording(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            asked.add(name);
            if (!name.startsWith("org.scalespace.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
