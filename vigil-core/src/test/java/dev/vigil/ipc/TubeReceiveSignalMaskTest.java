package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.internal.Kick;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.vigil.testing.Worker.returnsPromptly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A thread may block vigil's kick signal in its mask at any time (a native library it calls
 * may do so): a receive it starts afterwards must still end on {@code close()} and
 * {@code interrupt()}, and neither of those may hang or keep signalling.
 */
class TubeReceiveSignalMaskTest {
    /** A platform thread that receives once, blocks the kick signal, then receives again. */
    private static Worker receiverThatMasksAfterItsFirstMessage(Tube t) throws Exception {
        return Worker.platform(() -> {
            try (Tube.Message first = t.receive()) {
                first.bytes();
            }
            TestNative.blockSignalInThisThread(Kick.signal());
            try (Tube.Message m = t.receive()) {
                return new String(m.bytes(), StandardCharsets.UTF_8);
            }
        });
    }

    @Test
    void closeEndsAReceiveOfAThreadThatBlockedTheKickSignalAfterItsFirstReceive() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            Worker r = receiverThatMasksAfterItsFirstMessage(pair.first());
            pair.second().send("one".getBytes(StandardCharsets.UTF_8));
            r.awaitBlockedIn("ppoll"); // the second receive: with the signal blocked, it polls
            returnsPromptly("Tube.close()", pair.first()::close);
            assertInstanceOf(ClosedException.class, r.outcome());
        }
    }

    @Test
    void interruptEndsAReceiveOfAThreadThatBlockedTheKickSignalAfterItsFirstReceive() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            Worker r = receiverThatMasksAfterItsFirstMessage(pair.first());
            pair.second().send("one".getBytes(StandardCharsets.UTF_8));
            r.awaitBlockedIn("ppoll");
            returnsPromptly("Thread.interrupt()", r::interrupt);
            assertInstanceOf(InterruptedException.class, r.outcome());
            pair.second().send("two".getBytes(StandardCharsets.UTF_8));
            try (Tube.Message m = pair.first().receive()) {
                assertEquals("two", new String(m.bytes(), StandardCharsets.UTF_8), "the interrupt consumed nothing");
            }
        }
    }
}
