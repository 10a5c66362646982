package dev.vigil.io;

import dev.vigil.testing.Worker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A stream that changes how it is used, as a long-lived connection does: bulk (its
 * registrations turn quiet: most edges find readiness already there), then thousands of
 * one-byte round trips (every read waits; a quiet registration arms on each wait and turns
 * loud again after a spell), then bulk again. Each side's wait runs against the other's
 * writes with no pause, so a wake lost by the arming protocol would leave a side parked
 * forever and the worker would time out.
 */
class StreamPhasesTest {
    private static final int BULK = 8 << 20;
    private static final int ROUND_TRIPS = 3_000;

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void bulkThenRoundTripsThenBulkLoseNothing(boolean virtual) throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair()) {
            UnixStream a = pair.first();
            UnixStream b = pair.second();
            Worker echo = Worker.start(virtual, () -> {
                long bulk1 = drain(b, BULK);
                ByteBuffer one = ByteBuffer.allocateDirect(1);
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    if (b.read(one.clear()) != 1) {
                        throw new IOException("round trip " + i + ": end of stream");
                    }
                    b.write(one.flip());
                }
                long bulk2 = drain(b, BULK);
                return new long[] {bulk1, bulk2};
            });
            Worker driver = Worker.start(virtual, () -> {
                long bulk1 = fill(a, BULK, 1);
                ByteBuffer one = ByteBuffer.allocateDirect(1);
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    one.clear().put((byte) i).flip();
                    a.write(one);
                    if (a.read(one.clear()) != 1 || one.get(0) != (byte) i) {
                        throw new IOException("round trip " + i + ": wrong echo");
                    }
                }
                long bulk2 = fill(a, BULK, 2);
                return new long[] {bulk1, bulk2};
            });
            long[] sent = (long[]) driver.value();
            long[] got = (long[]) echo.value();
            assertEquals(sent[0], got[0], "the first bulk phase's checksum");
            assertEquals(sent[1], got[1], "the second bulk phase's checksum");
        }
    }

    /** Writes {@code total} bytes of a pattern seeded by {@code seed} in 64 KiB chunks; their CRC-32. */
    private static long fill(UnixStream out, int total, int seed) throws IOException {
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[65536];
        ByteBuffer buf = ByteBuffer.allocateDirect(chunk.length);
        for (int sent = 0; sent < total; sent += chunk.length) {
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (seed * 31 + sent + i * 7);
            }
            crc.update(chunk);
            out.write(buf.clear().put(chunk).flip());
        }
        return crc.getValue();
    }

    /** Reads exactly {@code total} bytes in reads of whatever size comes; their CRC-32. */
    private static long drain(UnixStream in, int total) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(50_000);
        for (int got = 0; got < total; ) {
            int n = in.read(buf.clear().limit(Math.min(buf.capacity(), total - got)));
            if (n < 0) {
                throw new IOException("end of stream after " + got + " bytes");
            }
            crc.update(buf.array(), 0, n);
            got += n;
        }
        return crc.getValue();
    }
}
