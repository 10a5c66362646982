/**
 * vigil: wait on, signal and react to any Linux file descriptor from any kind of thread.
 *
 * <p>{@link dev.vigil.Event} is an inter-process event (an eventfd). Everything native goes
 * through the Foreign Function &amp; Memory API; run with {@code --enable-native-access=dev.vigil}
 * (or {@code ALL-UNNAMED} on the class path).
 */
module dev.vigil {
    exports dev.vigil;
    exports dev.vigil.io;
    exports dev.vigil.ipc;
    exports dev.vigil.reactor;
}
