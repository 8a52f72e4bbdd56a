package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class SpinTeamTest {

    @Test
    void everyWorkerRunsEachCallOnceAndTheCallReturnsAfterAll() throws Exception {
        SpinTeam team = new SpinTeam(3, "test-team");
        try {
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            for (int call = 1; call <= 2000; call++) {
                final int c = call;
                team.run(worker -> {
                    if (c % 500 == 0 && worker == 2) { // now and then a slow helper: the caller must wait for it
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    runs.incrementAndGet(worker);
                });
                for (int w = 0; w < 4; w++) {
                    assertEquals(c, runs.get(w), "worker " + w + " after call " + c);
                }
                if (call == 1000) {
                    Thread.sleep(5); // helpers park between calls, then must wake up
                }
            }
        } finally {
            team.close();
        }
    }

    @Test
    void aFailureOnAHelperIsRethrownAndTheTeamGoesOn() {
        SpinTeam team = new SpinTeam(2, "test-team");
        try {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> team.run(worker -> {
                if (worker == 2) {
                    throw boom;
                }
            }));
            assertSame(boom, thrown);
            AtomicIntegerArray runs = new AtomicIntegerArray(3);
            team.run(runs::incrementAndGet);
            assertEquals(1, runs.get(0));
            assertEquals(1, runs.get(1));
            assertEquals(1, runs.get(2));
            // an Error is rethrown as it is
            assertThrows(AssertionError.class, () -> team.run(worker -> {
                if (worker == 0) {
                    throw new AssertionError("caller");
                }
            }));
        } finally {
            team.close();
        }
    }

    @Test
    void aClosedTeamRefusesWork() {
        SpinTeam team = new SpinTeam(1, "test-team");
        team.close();
        assertThrows(IllegalStateException.class, () -> team.run(worker -> { }));
    }
}
