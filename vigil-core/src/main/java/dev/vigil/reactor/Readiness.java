package dev.vigil.reactor;

/**
 * What a readiness stream reported: readable, writable, hung up, in error, priority data.
 * Immutable; every combination exists once ({@link #of(int)} never allocates), so
 * dispatching and polling allocate nothing. An empty Readiness is
 * tokio-reactor's {@code Async::NotReady}.
 */
public final class Readiness {
    /** Data can be read ({@code EPOLLIN}). */
    public static final int READABLE = 1;
    /** Data can be written ({@code EPOLLOUT}). */
    public static final int WRITABLE = 1 << 1;
    /** The peer hung up ({@code EPOLLHUP} or {@code EPOLLRDHUP}); sticky once returned. */
    public static final int HUP = 1 << 2;
    /** The descriptor is in error ({@code EPOLLERR}); for example a pipe whose reader closed. */
    public static final int ERROR = 1 << 3;
    /** Priority or out-of-band data ({@code EPOLLPRI}). */
    public static final int PRIORITY = 1 << 4;

    static final int ALL_BITS = READABLE | WRITABLE | HUP | ERROR | PRIORITY;
    private static final Readiness[] ALL = new Readiness[ALL_BITS + 1];

    static {
        for (int i = 0; i <= ALL_BITS; i++) {
            ALL[i] = new Readiness(i);
        }
    }

    /** Nothing ready. */
    public static final Readiness EMPTY = ALL[0];

    private final int bits;

    private Readiness(int bits) {
        this.bits = bits;
    }

    /** The Readiness with exactly these bits (a shared instance). */
    public static Readiness of(int bits) {
        return ALL[bits & ALL_BITS];
    }

    public int bits() {
        return bits;
    }

    public boolean isEmpty() {
        return bits == 0;
    }

    public boolean isReadable() {
        return (bits & READABLE) != 0;
    }

    public boolean isWritable() {
        return (bits & WRITABLE) != 0;
    }

    public boolean isHup() {
        return (bits & HUP) != 0;
    }

    public boolean isError() {
        return (bits & ERROR) != 0;
    }

    public boolean isPriority() {
        return (bits & PRIORITY) != 0;
    }

    @Override
    public String toString() {
        if (bits == 0) {
            return "Readiness[]";
        }
        StringBuilder b = new StringBuilder("Readiness[");
        String[] names = {"READABLE", "WRITABLE", "HUP", "ERROR", "PRIORITY"};
        for (int i = 0; i < names.length; i++) {
            if ((bits & (1 << i)) != 0) {
                b.append(b.length() > 10 ? "|" : "").append(names[i]);
            }
        }
        return b.append(']').toString();
    }
}
