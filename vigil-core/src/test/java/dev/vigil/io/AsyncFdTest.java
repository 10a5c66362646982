package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.internal.ScheduledIo;
import dev.vigil.reactor.Readiness;
import dev.vigil.testing.KernelFds;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AsyncFd over descriptors the test makes itself: pipes, a timerfd, an inotify instance. */
class AsyncFdTest {
    /** A non-blocking pipe: [read end, write end]. */
    private static RawFd[] pipe() {
        int[] p = TestNative.nonBlockingPipe();
        return new RawFd[] {new RawFd(p[0]), new RawFd(p[1])};
    }

    @Test
    void aBlockingDescriptorIsRefusedAndLeftAsItWas() throws Exception {
        RawFd[] p = RawFd.pipe(); // blocking
        try {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AsyncFd.register(p[0]));
            assertTrue(x.getMessage().contains("O_NONBLOCK"), x.getMessage());
            assertEquals(0, TestNative.fcntl(p[0].rawDescriptor(), TestNative.F_GETFL) & TestNative.O_NONBLOCK,
                    "the flag was not flipped");
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    /**
     * The last case proves a virtual thread's spin before it parks is bounded: with the largest
     * spin count it still parks (a thread that yields and retries stays RUNNABLE).
     */
    @ParameterizedTest(name = "virtual={0}, largest spin count={1}")
    @CsvSource({"false,false", "true,false", "true,true"})
    void aReadWaitsParkedUntilTheDescriptorIsReadyThenRunsTheCallAgain(boolean virtual, boolean largestSpin) throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            if (largestSpin) {
                SpinBudgetTest.raiseToMax(in.spins(ScheduledIo.READ));
            }
            Worker reader = Worker.start(virtual, () -> in.read(fd -> KernelFds.read(fd, 64)));
            reader.awaitParked();
            p[1].write(42L);
            assertEquals(8, ((byte[]) reader.value()).length);
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void tryReadSaysWouldBlockWithTheSharedInstanceAndClearsTheReadiness() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            IOException x = assertThrows(IOException.class, () -> in.tryRead(fd -> KernelFds.read(fd, 64)));
            assertSame(AsyncFd.wouldBlock(), x);
            assertTrue(in.awaitReadable(Duration.ZERO).isEmpty());
            p[1].write(1L);
            assertEquals(8, in.tryRead(fd -> KernelFds.read(fd, 64)).length);
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    /**
     * Readiness is retained: after a partial read the descriptor is still reported readable,
     * with no new edge from the kernel (a consuming registration would wait here for ever).
     */
    @Test
    void aPartialReadLeavesTheRestReportedReadable() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            p[1].write(7L);
            assertTrue(in.awaitReadable().isReadable());
            assertEquals(3, in.read(fd -> KernelFds.read(fd, 3)).length);
            Readiness again = in.awaitReadable(Duration.ofSeconds(30));
            assertTrue(again.isReadable(), "the rest was not reported: " + again);
            assertEquals(5, in.read(fd -> KernelFds.read(fd, 64)).length);
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptEndsTheWaitWithInterruptedIOExceptionAndTheAsyncFdStaysUsable(boolean virtual) throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            Worker reader = Worker.start(virtual, () -> {
                try {
                    in.read(fd -> KernelFds.read(fd, 64));
                    return "read";
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                }
            });
            reader.awaitParked();
            reader.interrupt();
            assertEquals("interrupted, status kept", reader.value());
            p[1].write(3L);
            assertEquals(8, in.read(fd -> KernelFds.read(fd, 64)).length);
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeEndsAWaitingReadAndLeavesTheDescriptorOpen(boolean virtual) throws Exception {
        RawFd[] p = pipe();
        try {
            AsyncFd<RawFd> in = AsyncFd.register(p[0]);
            Worker reader = Worker.start(virtual, () -> in.read(fd -> KernelFds.read(fd, 64)));
            reader.awaitParked();
            Worker.returnsPromptly("close", in::close);
            assertInstanceOf(ClosedException.class, reader.failure());
            assertTrue(in.isClosed());
            assertThrows(ClosedException.class, () -> in.read(fd -> KernelFds.read(fd, 64)));
            assertTrue(TestNative.fcntl(p[0].rawDescriptor(), TestNative.F_GETFD) >= 0, "the caller's descriptor is open");
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void aCallThatFailsOtherwiseReachesTheCallerAsItIs() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            IOException mine = new IOException("mine");
            assertSame(mine, assertThrows(IOException.class, () -> in.read(fd -> {
                throw mine;
            })));
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void readAsyncCompletesOnceTheDescriptorIsReady() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            CompletableFuture<byte[]> f = in.readAsync(fd -> KernelFds.read(fd, 64));
            assertFalse(f.isDone());
            p[1].write(9L);
            assertEquals(8, f.get(30, TimeUnit.SECONDS).length);
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void aWriteWaitsForRoomInAFullPipe() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> out = AsyncFd.register(p[1])) {
            TestNative.pump(p[1].rawDescriptor(), true); // fill it
            Worker writer = Worker.virtual(() -> out.write(fd -> {
                if (TestNative.pump(fd.rawDescriptor(), true) == 0) {
                    throw AsyncFd.wouldBlock();
                }
                return "wrote";
            }));
            writer.awaitParked();
            TestNative.pump(p[0].rawDescriptor(), false); // drain it
            assertEquals("wrote", writer.value());
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void aTimerfdMadeByTheCallerIsDrivenThroughTheReactor() throws Exception {
        try (RawFd timer = KernelFds.timerfd(TimeUnit.MILLISECONDS.toNanos(2));
             AsyncFd<RawFd> t = AsyncFd.register(timer)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(t.read(KernelFds::expirations) >= 1);
            }
        }
    }

    @Test
    void anInotifyInstanceMadeByTheCallerReportsAFileCreated(@TempDir Path dir) throws Exception {
        try (RawFd watch = KernelFds.inotify(dir, KernelFds.IN_CREATE);
             AsyncFd<RawFd> w = AsyncFd.register(watch)) {
            Worker reader = Worker.virtual(() -> w.read(fd -> KernelFds.read(fd, 4096)));
            reader.awaitParked();
            Files.createFile(dir.resolve("hello"));
            byte[] event = (byte[]) reader.value();
            assertTrue(event.length >= 16, "an inotify event is at least 16 bytes, got " + event.length);
            assertArrayEquals("hello".getBytes(), java.util.Arrays.copyOfRange(event, 16, 21));
        }
    }

    @Test
    void aSecondAsyncFdForTheSameDescriptorIsRefusedClearly() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> first = AsyncFd.register(p[0])) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AsyncFd.register(p[0]));
            assertTrue(x.getMessage().contains("already registered"), x.getMessage());
            assertFalse(first.isClosed(), "the first registration is untouched");
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    /** tokio's poll loop: poll, try until would-block, poll again (which arms the waker). */
    @Test
    void pollReadReadyCallsTheWakerOnceWhenTheDescriptorBecomesReadable() throws Exception {
        RawFd[] p = pipe();
        try (AsyncFd<RawFd> in = AsyncFd.register(p[0])) {
            java.util.concurrent.Semaphore woken = new java.util.concurrent.Semaphore(0);
            dev.vigil.reactor.Waker waker = woken::release;
            assertTrue(in.pollReadReady(waker).isEmpty(), "nothing to read: the waker is stored");
            p[1].write(5L);
            assertTrue(woken.tryAcquire(30, TimeUnit.SECONDS), "the waker was not called");
            assertTrue(in.pollReadReady(waker).isReadable(), "retained until a call would block");
            assertEquals(8, in.tryRead(fd -> KernelFds.read(fd, 64)).length);
            assertTrue(in.pollReadReady(waker).isReadable(), "still: no call has met would-block yet");
            assertSame(AsyncFd.wouldBlock(), assertThrows(IOException.class, () -> in.tryRead(fd -> KernelFds.read(fd, 64))));
            assertTrue(in.pollReadReady(waker).isEmpty(), "cleared, and the waker stored again");
            assertEquals(0, woken.availablePermits(), "called once");
        } finally {
            p[0].close();
            p[1].close();
        }
    }
}
