package dev.vigil;

/** What a {@link WaitContext} reports for a descriptor. Hang-up is reported whatever the type. */
public enum EventType {
    /** Nothing but hang-up and errors: silences a descriptor without removing it. */
    NONE,
    /** Readable (and the peer's half-close, as hang-up). */
    READ,
    /** Writable. */
    WRITE,
    /** Readable or writable. */
    READ_WRITE
}
