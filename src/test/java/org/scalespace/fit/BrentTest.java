package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Brent's method on functions whose minimum is known in closed form. */
class BrentTest {

    @Test
    void parabola() {
        Brent.Result r = Brent.minimise(x -> (x - 2) * (x - 2), 0, 5, 0.5, 1e-9);
        assertEquals(2.0, r.x(), 1e-9);
        assertEquals(0.0, r.fx(), 1e-17);
        assertTrue(r.evaluations() < 30, "a parabola takes few evaluations: " + r.evaluations());
    }

    /**
     * With a large constant added, f values closer than ~√ε·scale in x are indistinguishable in double precision,
     * so no method can do better than about 1e-8 there; the result must still be within that.
     */
    @Test
    void parabolaOnAPedestal() {
        Brent.Result r = Brent.minimise(x -> (x - 2) * (x - 2) + 3, 0, 5, 0.5, 1e-9);
        assertEquals(2.0, r.x(), 5e-8);
        assertEquals(3.0, r.fx(), 1e-15);
    }

    @Test
    void cosineHasItsMinimumAtPi() {
        Brent.Result r = Brent.minimise(Math::cos, 2.0, 4.5, 2.1, 1e-10);
        assertEquals(Math.PI, r.x(), 5e-8); // −1 + (x−π)²/2: resolution √(2ε) ≈ 2e-8 (see parabolaOnAPedestal)
        assertEquals(-1.0, r.fx(), 1e-15);
    }

    @Test
    void xLogX() {
        Brent.Result r = Brent.minimise(x -> x * Math.log(x), 0.01, 2.0, 1.5, 1e-10);
        assertEquals(1 / Math.E, r.x(), 1e-8);
    }

    @Test
    void nonSmoothKink() {
        Brent.Result r = Brent.minimise(x -> Math.abs(x - 1.3) + 0.1 * x, 0, 3, 2.9, 1e-9);
        assertEquals(1.3, r.x(), 1e-8);
    }

    @Test
    void endPointsAreReachable() {
        Brent.Result right = Brent.minimise(x -> -x, 0, 1, 0.5, 1e-9);
        assertEquals(1.0, right.x(), 1e-8);
        Brent.Result left = Brent.minimise(x -> Math.exp(x), -2, 1, 0.0, 1e-9);
        assertEquals(-2.0, left.x(), 1e-8);
    }

    @Test
    void swappedBracketAndStartOutsideAreHandled() {
        Brent.Result r = Brent.minimise(x -> (x + 1) * (x + 1), 3, -4, 10.0, 1e-9);
        assertEquals(-1.0, r.x(), 1e-8);
    }

    @Test
    void toleranceIsRespected() {
        // a coarse tolerance stops early but stays within it
        Brent.Result r = Brent.minimise(x -> (x - 0.123456) * (x - 0.123456), -1, 1, 0.9, 1e-3);
        assertEquals(0.123456, r.x(), 1e-3);
    }
}
