package dev.vigil.internal;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The safety net for objects that become unreachable without being closed: one process-wide
 * {@link Cleaner} closes their descriptors, counts them, and logs each at WARNING through
 * {@link System.Logger} (logger {@code dev.vigil}), naming what was left open.
 */
public final class Cleanup {
    private Cleanup() {}

    public static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "vigil-cleaner");
        t.setDaemon(true);
        return t;
    });

    private static final AtomicLong UNCLOSED = new AtomicLong();
    private static final System.Logger LOG = System.getLogger("dev.vigil");

    /** How many objects the cleaner had to close since the process started. */
    public static long unclosedCount() {
        return UNCLOSED.get();
    }

    /** Registers {@code owner} so that its descriptor is closed if it is never closed. */
    public static Cleaner.Cleanable register(Object owner, Descriptor descriptor, String what) {
        return CLEANER.register(owner, new Action(descriptor, what));
    }

    private record Action(Descriptor descriptor, String what) implements Runnable {
        @Override
        public void run() {
            int number = descriptor.number();
            if (descriptor.close()) { // false when the owner closed it (or gave it up) first
                UNCLOSED.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING,
                        "{0} (fd {1}) became unreachable without close(); the cleaner closed it", what, number);
            }
        }
    }
}
