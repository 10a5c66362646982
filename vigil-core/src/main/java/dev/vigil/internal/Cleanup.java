package dev.vigil.internal;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The safety net for objects that become unreachable without being closed: their descriptors
 * are closed by one daemon thread, {@code vigil-cleaner}, which counts them and logs each at
 * WARNING through {@link System.Logger} (logger {@code dev.vigil}), naming what was left open.
 *
 * <h2>How, and why not {@link java.lang.ref.Cleaner}</h2>
 * A {@link #watch watch} is a phantom reference to the owner (an Event, a Tube, a received
 * message), kept reachable by the Descriptors it watches: each holds it in a field, and the
 * process-wide registry holds every open, vigil-owned Descriptor. So:
 * <ul>
 *   <li>while any watched descriptor is open, the watch is reachable, and the collector
 *       queues it once the owner is gone; the cleaner thread then closes every watched
 *       descriptor that is still open (through {@link Descriptor#close()}, which does
 *       nothing to one already closed or given up, and which ends ownership as any close
 *       does: the owner's release hook runs, so an abandoned Event also leaves
 *       {@link EventFdRegistry});</li>
 *   <li>once the owner has closed them all (or given them up), they leave the registry and
 *       the watch becomes garbage with them: closing needs no step of its own.</li>
 * </ul>
 * A {@code Cleaner} keeps its references in a list under a lock, so registering and
 * cleaning each cost a monitor; here registering is one allocation and closing costs
 * nothing more, which matters for the descriptors that arrive with every Tube message.
 */
public final class Cleanup {
    private Cleanup() {}

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    private static final AtomicLong UNCLOSED = new AtomicLong();
    private static final System.Logger LOG = System.getLogger("dev.vigil");

    static {
        Thread cleaner = new Thread(Cleanup::clean, "vigil-cleaner");
        cleaner.setDaemon(true);
        cleaner.start();
    }

    /** How many objects the cleaner had to close since the process started. */
    public static long unclosedCount() {
        return UNCLOSED.get();
    }

    /** Closes {@code descriptor} if {@code owner} becomes unreachable while it is still open. */
    public static void watch(Object owner, Descriptor descriptor, String what) {
        descriptor.keep(new Watch(owner, descriptor, null, what));
    }

    /**
     * Closes every descriptor in {@code descriptors} still open when {@code owner} becomes
     * unreachable: one watch for them all. The owner may put a new Descriptor into the array
     * later, and must then {@link #keep} the watch in it as well.
     *
     * @return the watch, for {@link #keep}
     */
    public static Object watchAll(Object owner, Descriptor[] descriptors, String what) {
        Watch w = new Watch(owner, null, descriptors, what);
        for (Descriptor d : descriptors) {
            d.keep(w);
        }
        return w;
    }

    /** Makes {@code descriptor}, newly put into a watched array, keep {@code watch} reachable too. */
    public static void keep(Descriptor descriptor, Object watch) {
        descriptor.keep((Watch) watch);
    }

    private static void clean() {
        for (;;) {
            try {
                ((Watch) QUEUE.remove()).run();
            } catch (InterruptedException e) {
                // a daemon that nobody should interrupt: keep cleaning
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "vigil-cleaner: a cleanup failed", t);
            }
        }
    }

    /** Kept reachable only by the Descriptors it watches; queued when the owner is gone. */
    static final class Watch extends PhantomReference<Object> {
        private final Descriptor one;
        private final Descriptor[] many;
        private final String what;

        Watch(Object owner, Descriptor one, Descriptor[] many, String what) {
            super(owner, QUEUE);
            this.one = one;
            this.many = many;
            this.what = what;
        }

        void run() {
            if (one != null) {
                close(one);
            } else {
                for (Descriptor d : many) {
                    close(d);
                }
            }
        }

        private void close(Descriptor d) {
            int number = d.number();
            if (d.close()) { // false when the owner closed it (or gave it up) first
                UNCLOSED.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING,
                        "{0} (fd {1}) became unreachable without close(); the cleaner closed it", what, number);
            }
        }
    }
}
