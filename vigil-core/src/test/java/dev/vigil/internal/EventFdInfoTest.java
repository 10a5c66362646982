package dev.vigil.internal;

import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fdinfo fields vigil takes an eventfd's identity and kind from, as the kernel prints them. */
class EventFdInfoTest {

    @Test
    void anEventfdShowsItsIdAndWhetherItIsASemaphore() {
        EventFdInfo info = EventFdInfo.parse("pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1039\n"
                + "eventfd-count:                0\neventfd-id: 5\neventfd-semaphore: 1\n");
        assertEquals(new EventFdInfo(5, true), info);
    }

    @Test
    void anOlderKernelShowsNeitherIdNorSemaphoreFlag() {
        assertEquals(new EventFdInfo(EventFdInfo.NO_ID, false),
                EventFdInfo.parse("pos:\t0\nflags:\t02\nmnt_id:\t9\neventfd-count:                3\n"));
    }

    @Test
    void aDescriptorWithoutAnEventfdCountIsNotAnEventfd() {
        assertNull(EventFdInfo.parse("pos:\t0\nflags:\t02000000\nmnt_id:\t15\nino:\t52\n"));
    }

    @Test
    void theRunningKernelShowsTheFieldsForRealDescriptors() throws Exception {
        int plain = TestNative.eventfd(0, TestNative.EFD_CLOEXEC);
        int semaphore = TestNative.eventfd(0, TestNative.EFD_SEMAPHORE | TestNative.EFD_CLOEXEC);
        int[] pipe = TestNative.pipe();
        try {
            EventFdInfo a = EventFdInfo.read(plain);
            EventFdInfo b = EventFdInfo.read(semaphore);
            assertNotNull(a);
            assertFalse(a.semaphore());
            assertTrue(b.semaphore());
            assertTrue(a.id() >= 0 && b.id() >= 0 && a.id() != b.id(), a + " " + b);
            int copy = TestNative.dup(plain);
            try {
                assertEquals(a, EventFdInfo.read(copy), "a copy of the descriptor shows the same id");
            } finally {
                TestNative.close(copy);
            }
            assertNull(EventFdInfo.read(pipe[0]));
        } finally {
            TestNative.close(plain);
            TestNative.close(semaphore);
            TestNative.close(pipe[0]);
            TestNative.close(pipe[1]);
        }
    }
}
