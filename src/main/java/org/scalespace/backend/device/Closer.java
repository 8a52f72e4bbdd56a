package org.scalespace.backend.device;

/** Closing several native resources: every one is closed even when an earlier close fails. */
public final class Closer {
    private Closer() {
    }

    /**
     * Closes the resources in the given order and returns the first failure (checked exceptions wrapped), or
     * {@code first} when that is already set; the caller rethrows it after its own clean-up.
     */
    public static RuntimeException closeAll(Iterable<? extends AutoCloseable> resources, RuntimeException first) {
        for (AutoCloseable a : resources) {
            try {
                a.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        }
        return first;
    }
}
