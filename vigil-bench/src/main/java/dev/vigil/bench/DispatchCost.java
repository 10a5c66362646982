package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.reactor.Reactor;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import dev.vigil.reactor.Waker;

import java.io.IOException;
import java.util.Locale;

/**
 * Diagnostic: the consumer side of {@link DispatchSuite} on one thread, without a producer
 * thread, so that its cost per event can be split without cross-CPU effects. Each lap signals
 * K eventfds (bare FFM {@code write}), then consumes all K in one of four ways, and reports
 * nanoseconds per event for each:
 * <ul>
 *   <li>vigil: {@code Reactor.turn} + {@code pollReadReady(waker)} + {@code Event.reset()},
 *       as {@code DispatchSuite}'s vigil consumer;</li>
 *   <li>bare FFM: {@code epoll_wait} + {@code read(2)}, no vigil;</li>
 *   <li>bare epoll + {@code Event.reset()}: isolates the cost of {@code reset()};</li>
 *   <li>vigil reactor + bare {@code read(2)}: isolates the reactor's cost.</li>
 * </ul>
 * Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.DispatchCost [--k 1000] [--laps 2000] [--reps 8]},
 * best pinned to one CPU ({@code taskset -c 1}).
 */
public final class DispatchCost {
    private DispatchCost() {}

    public static void main(String[] args) throws Exception {
        var options = BenchOptions.named(java.util.List.of(args));
        int k = Integer.parseInt(options.getOrDefault("--k", "1000"));
        int laps = Integer.parseInt(options.getOrDefault("--laps", "2000"));
        int reps = Integer.parseInt(options.getOrDefault("--reps", "8"));
        Event[] viaReactor = DispatchSuite.newEvents(k);
        Event[] viaEpoll = DispatchSuite.newEvents(k);
        try (Reactor reactor = new Reactor(); FfmEpoll raw = new FfmEpoll(1024)) {
            int[] reactorFds = numbers(viaReactor);
            int[] epollFds = numbers(viaEpoll);
            int[] queue = new int[k];
            int[] queued = new int[1];
            Registration[] registrations = new Registration[k];
            Waker[] wakers = new Waker[k];
            for (int i = 0; i < k; i++) {
                int index = i;
                wakers[i] = () -> queue[queued[0]++] = index;
                registrations[i] = new Registration();
                registrations[i].registerWith(viaReactor[i], reactor.handle());
                registrations[i].pollReadReady(wakers[i]);
                raw.add(epollFds[i], FfmEpoll.EPOLLIN | FfmEpoll.EPOLLET, i);
            }
            System.out.printf(Locale.ROOT, "consumer cost per event, K = %,d, %,d laps per figure%n", k, laps);
            for (int rep = 0; rep < reps; rep++) {
                long vigil = 0;
                long bare = 0;
                long bareReset = 0;
                long reactorRead = 0;
                for (int lap = 0; lap < laps; lap++) {
                    signalAll(raw, reactorFds);
                    vigil += timeReactor(reactor, registrations, wakers, queue, queued, k, viaReactor, null, raw);
                    signalAll(raw, epollFds);
                    bare += timeEpoll(raw, k, epollFds, null);
                    signalAll(raw, epollFds);
                    bareReset += timeEpoll(raw, k, epollFds, viaEpoll);
                    signalAll(raw, reactorFds);
                    reactorRead += timeReactor(reactor, registrations, wakers, queue, queued, k, null, reactorFds, raw);
                }
                double n = (double) laps * k;
                System.out.printf(Locale.ROOT, "vigil %.0f ns | bare FFM %.0f ns | bare epoll + Event.reset() %.0f ns"
                        + " | vigil reactor + bare read %.0f ns%n", vigil / n, bare / n, bareReset / n, reactorRead / n);
            }
            for (int i = 0; i < k; i++) {
                registrations[i].deregister(viaReactor[i]);
            }
        } finally {
            DispatchSuite.closeAll(viaReactor);
            DispatchSuite.closeAll(viaEpoll);
        }
    }

    private static int[] numbers(Event[] events) {
        int[] fds = new int[events.length];
        for (int i = 0; i < events.length; i++) {
            fds[i] = events[i].rawDescriptor();
        }
        return fds;
    }

    private static void signalAll(FfmEpoll raw, int[] fds) {
        for (int fd : fds) {
            raw.signalEventFd(fd);
        }
    }

    /** Consumes K signals through the reactor, resetting the Events or, if null, reading {@code fds}. */
    private static long timeReactor(Reactor reactor, Registration[] registrations, Waker[] wakers, int[] queue,
                                    int[] queued, int k, Event[] events, int[] fds, FfmEpoll raw) throws IOException {
        long start = System.nanoTime();
        int count = 0;
        while (count < k) {
            reactor.turn(null);
            int m = queued[0];
            queued[0] = 0;
            for (int j = 0; j < m; j++) {
                int i = queue[j];
                for (Readiness r = registrations[i].pollReadReady(wakers[i]); !r.isEmpty();
                     r = registrations[i].pollReadReady(wakers[i])) {
                    take(i, events, fds, raw);
                    count++;
                }
            }
        }
        return System.nanoTime() - start;
    }

    /** Consumes K signals through the bare epoll set, resetting the Events or, if null, reading {@code fds}. */
    private static long timeEpoll(FfmEpoll raw, int k, int[] fds, Event[] events) throws IOException {
        long start = System.nanoTime();
        int count = 0;
        while (count < k) {
            int m = raw.await(-1);
            for (int j = 0; j < m; j++) {
                take((int) raw.dataOf(j), events, fds, raw);
                count++;
            }
        }
        return System.nanoTime() - start;
    }

    /** Consumes signal {@code i}: {@code Event.reset()}, or, if {@code events} is null, a bare {@code read(2)}. */
    private static void take(int i, Event[] events, int[] fds, FfmEpoll raw) throws IOException {
        if (events != null) {
            events[i].reset();
        } else {
            raw.readEventFd(fds[i]);
        }
    }
}
