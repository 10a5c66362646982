package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.internal.SignalKick;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A thread may block vigil's kick signal in its mask at any time (a native library it calls
 * may do so): a receive it starts afterwards must still end on {@code close()} and
 * {@code interrupt()}, and neither of those may hang or keep signalling.
 */
class TubeReceiveSignalMaskTest {
    /** A platform thread that receives once, blocks the kick signal, then receives again. */
    private static TubeBlockingReceiveTest.Receiver receiverThatMasksAfterItsFirstMessage(Tube t) throws Exception {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().daemon().start(() -> {
            tid.complete(TestNative.gettid());
            try {
                try (Tube.Message first = t.receive()) {
                    first.bytes();
                }
                TestNative.blockSignalInThisThread(SignalKick.signal());
                try (Tube.Message m = t.receive()) {
                    outcome.complete(new String(m.bytes(), StandardCharsets.UTF_8));
                }
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        return new TubeBlockingReceiveTest.Receiver(tid.get(10, TimeUnit.SECONDS), thread, outcome);
    }

    private static void returnsPromptly(String what, Runnable action) throws InterruptedException {
        Thread t = Thread.ofPlatform().daemon().start(action);
        t.join(20_000);
        if (t.isAlive()) {
            fail(what + " never returned");
        }
    }

    @Test
    void closeEndsAReceiveOfAThreadThatBlockedTheKickSignalAfterItsFirstReceive() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            TubeBlockingReceiveTest.Receiver r = receiverThatMasksAfterItsFirstMessage(pair.first());
            pair.second().send("one".getBytes(StandardCharsets.UTF_8));
            Blocked.awaitInSyscall(r.tid(), "ppoll", "recvmsg"); // the second receive
            returnsPromptly("Tube.close()", pair.first()::close);
            assertInstanceOf(ClosedException.class, r.result());
        }
    }

    @Test
    void interruptEndsAReceiveOfAThreadThatBlockedTheKickSignalAfterItsFirstReceive() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            TubeBlockingReceiveTest.Receiver r = receiverThatMasksAfterItsFirstMessage(pair.first());
            pair.second().send("one".getBytes(StandardCharsets.UTF_8));
            Blocked.awaitInSyscall(r.tid(), "ppoll", "recvmsg");
            returnsPromptly("Thread.interrupt()", r.thread()::interrupt);
            assertInstanceOf(InterruptedException.class, r.result());
            pair.second().send("two".getBytes(StandardCharsets.UTF_8));
            try (Tube.Message m = pair.first().receive()) {
                assertEquals("two", new String(m.bytes(), StandardCharsets.UTF_8), "the interrupt consumed nothing");
            }
        }
    }
}
