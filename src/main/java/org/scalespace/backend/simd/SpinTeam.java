package org.scalespace.backend.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The calling thread plus a fixed team of daemon helper threads for short parallel calls (a convolution of a
 * ConvNeXt-sized batch takes ~1 ms). Between calls a helper spins for {@link #SPIN_NANOS} before it parks, and the
 * caller spins while it waits for the helpers, because waking a parked thread costs ~70 µs median (~200 µs at the
 * 90th percentile) on the 2-core VM, measured with a thread pool's submit-and-get: with an executor every call lost
 * that at its start and again at its end. The same trade as OpenMP's spin-wait: up to {@link #SPIN_NANOS} of CPU per
 * helper after each call.
 *
 * <p>{@link #run} is not reentrant; the engine serialises its calls.
 */
final class SpinTeam {

    /** Work of one call: {@code worker} is 0 for the caller, 1 … helpers for the helpers. */
    @FunctionalInterface
    interface Job {
        void run(int worker);
    }

    /** How long a helper spins for the next call, and the caller for the helpers, before parking. */
    static final long SPIN_NANOS = 500_000;

    private final Thread[] helpers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Job job;
    private volatile long generation;
    private volatile Thread caller;
    private volatile boolean closed;

    SpinTeam(int helperCount, String name) {
        helpers = new Thread[helperCount];
        for (int i = 0; i < helperCount; i++) {
            final int worker = i + 1;
            Thread t = new Thread(() -> helperLoop(worker), name + "-" + worker);
            t.setDaemon(true);
            helpers[i] = t;
        }
        for (Thread t : helpers) {
            t.start();
        }
    }

    /**
     * Runs {@code j} on the caller (worker 0) and on every helper, and returns when all have finished. The first
     * failure of any of them is rethrown (a RuntimeException or Error as it is, anything else wrapped).
     */
    void run(Job j) {
        if (closed) {
            throw new IllegalStateException("simd: engine is closed");
        }
        failure.set(null);
        caller = Thread.currentThread();
        pending.set(helpers.length);
        job = j;
        generation = generation + 1; // publishes job (volatile write after it)
        for (Thread t : helpers) {
            LockSupport.unpark(t);
        }
        try {
            j.run(0);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        long start = System.nanoTime();
        while (pending.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000);
            }
        }
        job = null;
        Throwable f = failure.getAndSet(null);
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new IllegalStateException("simd: worker failed", f);
        }
    }

    private void helperLoop(int worker) {
        long seen = 0;
        while (true) {
            long start = System.nanoTime();
            long g;
            while ((g = generation) == seen) {
                if (closed) {
                    return;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = g;
            try {
                job.run(worker);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /** Stops the helpers (they exit at their next check); later calls of {@link #run} fail. */
    void close() {
        closed = true;
        for (Thread t : helpers) {
            LockSupport.unpark(t);
        }
    }
}
