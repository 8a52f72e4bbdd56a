package org.scalespace.gauss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scalespace.testing.TestData;

/**
 * T(n; s) and the adaptive radius against the committed 50-digit mpmath vectors (tools/gen_gauss_vectors.py):
 * relative error ≤ 1e-13 (SPEC §2) for every tabulated value ≥ 1e-290, s from 0 to 10⁴.
 */
class DiscreteGaussianVectorsTest {

    private record Row(String sText, double s, int n, double t) {
    }

    private static Map<String, List<Row>> rowsByScale() {
        Map<String, List<Row>> m = new LinkedHashMap<>();
        for (Map<String, String> r : TestData.csv("/vectors/discrete_gaussian.csv")) {
            String s = r.get("s");
            m.computeIfAbsent(s, x -> new ArrayList<>()).add(new Row(s, Double.parseDouble(s),
                    Integer.parseInt(r.get("n")), Double.parseDouble(r.get("T"))));
        }
        return m;
    }

    @Test
    void halfKernelMatchesVectors() {
        Map<String, List<Row>> byS = rowsByScale();
        assertTrue(byS.containsKey("10000") && byS.containsKey("0") && byS.containsKey("1e-8"),
                "the vectors cover s = 0 .. 1e4: " + byS.keySet());
        int checked = 0;
        double worst = 0;
        String worstAt = "";
        for (List<Row> rows : byS.values()) {
            int nmax = rows.stream().mapToInt(Row::n).max().orElseThrow();
            double[] half = DiscreteGaussian.halfKernel(rows.get(0).s(), nmax);
            for (Row r : rows) {
                double got = half[r.n()];
                String at = "T(" + r.n() + "; s=" + r.sText() + ")";
                if (r.t() == 0.0) {
                    assertEquals(0.0, got, 0.0, at + " is exactly 0");
                } else if (r.t() < 1e-290) {
                    assertTrue(got >= 0 && got <= 1e-290, at + " = " + got + " should be ≤ 1e-290");
                } else {
                    double rel = Math.abs(got - r.t()) / r.t();
                    if (rel > worst) {
                        worst = rel;
                        worstAt = at;
                    }
                    assertTrue(rel <= 1e-13, at + ": got " + got + ", reference " + r.t() + ", rel error " + rel);
                }
                checked++;
            }
        }
        assertTrue(checked > 800, "rows checked: " + checked);
        System.out.println("discrete Gaussian: worst relative error " + worst + " at " + worstAt);
    }

    /**
     * value(n, s) and kernel(s, n) compute only up to n, so the recurrence starts just beyond the requested range:
     * every row through both, which catches a start index too close to n where T decays slowly (σ ≪ n ≲ s).
     */
    @Test
    void valueAndKernelEndsMatchVectors() {
        for (List<Row> rows : rowsByScale().values()) {
            for (Row r : rows) {
                String at = "(n=" + r.n() + ", s=" + r.sText() + ")";
                if (r.t() == 0.0) {
                    assertEquals(0.0, DiscreteGaussian.value(r.n(), r.s()), 0.0, "value" + at);
                    continue;
                }
                if (r.t() < 1e-290) {
                    continue;
                }
                double tol = 1e-13 * r.t();
                assertEquals(r.t(), DiscreteGaussian.value(r.n(), r.s()), tol, "value" + at);
                assertEquals(r.t(), DiscreteGaussian.value(-r.n(), r.s()), tol, "value(-n)" + at);
                double[] k = DiscreteGaussian.kernel(r.s(), r.n());
                assertEquals(2 * r.n() + 1, k.length);
                assertEquals(r.t(), k[0], tol, "kernel left end" + at);
                assertEquals(r.t(), k[2 * r.n()], tol, "kernel right end" + at);
            }
        }
    }

    @Test
    void adaptiveRadiusMatchesVectors() {
        List<Map<String, String>> rows = TestData.csv("/vectors/adaptive_radius.csv");
        assertTrue(rows.size() >= 50, "rows: " + rows.size());
        for (Map<String, String> r : rows) {
            double s = Double.parseDouble(r.get("s"));
            double eps = Double.parseDouble(r.get("eps"));
            int expected = Integer.parseInt(r.get("R"));
            assertEquals(expected, DiscreteGaussian.adaptiveRadius(s, eps),
                    "adaptive radius at s=" + r.get("s") + ", eps=" + r.get("eps"));
            double[] k = DiscreteGaussian.adaptiveKernel(s, eps);
            assertEquals(2 * expected + 1, k.length, "adaptive kernel length at s=" + r.get("s"));
        }
    }
}
