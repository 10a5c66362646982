"""A peer process for vigil's UnixStream tests: plain Python, no vigil.

Usage: stream_peer.py NAME  -- connects an AF_UNIX SOCK_STREAM socket to the abstract NAME
Prints "connected", then answers one command per line on stdin:
  recv N        socket.recv_fds of up to N bytes; prints "got TEXT NFDS" or "eof"; keeps the descriptors
  recvfew N K   the same with room for only K descriptors; prints "got TEXT NFDS ctrunc" if the kernel cut the rest
  write I V     os.eventfd_write(V) on received descriptor I; prints "ok"
  send TEXT K   sends TEXT with K new eventfds of its own attached (socket.send_fds); prints "ok"
  ownread J     os.eventfd_read on its own eventfd J; prints the value
  quit          closes everything and exits
"""
import os
import socket
import sys


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect("\0" + sys.argv[1])
    print("connected", flush=True)
    received, own = [], []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        if cmd == "recv":
            data, fds, _, _ = socket.recv_fds(sock, int(words[1]), 300)
            if not data and not fds:
                print("eof", flush=True)
                continue
            received.extend(fds)
            print("got %s %d" % (data.decode(), len(fds)), flush=True)
        elif cmd == "recvfew":
            data, fds, flags, _ = socket.recv_fds(sock, int(words[1]), int(words[2]))
            received.extend(fds)
            print("got %s %d%s" % (data.decode(), len(fds), " ctrunc" if flags & socket.MSG_CTRUNC else ""), flush=True)
        elif cmd == "write":
            os.eventfd_write(received[int(words[1])], int(words[2]))
            print("ok", flush=True)
        elif cmd == "send":
            fds = [os.eventfd(0) for _ in range(int(words[2]))]
            own.extend(fds)
            socket.send_fds(sock, [words[1].encode()], fds)
            print("ok", flush=True)
        elif cmd == "ownread":
            print(os.eventfd_read(own[int(words[1])]), flush=True)
        elif cmd == "quit":
            break
    for fd in received + own:
        os.close(fd)
    sock.close()


if __name__ == "__main__":
    main()
