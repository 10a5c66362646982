"""A peer process for vigil's interop tests: plain Python on eventfds, no vigil.

Usage: eventfd_peer.py PID FD  -- takes a copy of descriptor FD of process PID
       eventfd_peer.py own     -- creates its own eventfd (blocking) and announces it
Then answers one command per line on stdin:
  read        blocking os.eventfd_read, prints the value
  write N     os.eventfd_write(N), prints "ok"
  blocking    prints whether the descriptor is in blocking mode
"""
import ctypes
import os
import sys

SYS_PIDFD_GETFD = 438


def take(pid, target):
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, target, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "pidfd_getfd")
    os.close(pidfd)
    return fd


def main():
    if sys.argv[1] == "own":
        fd = os.eventfd(0, os.EFD_CLOEXEC)
        print(f"own {os.getpid()} {fd}", flush=True)
    else:
        fd = take(int(sys.argv[1]), int(sys.argv[2]))
        print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "read":
            print(os.eventfd_read(fd), flush=True)
        elif words[0] == "write":
            os.eventfd_write(fd, int(words[1]))
            print("ok", flush=True)
        elif words[0] == "blocking":
            print(os.get_blocking(fd), flush=True)
        elif words[0] == "quit":
            break
    os.close(fd)


if __name__ == "__main__":
    main()
