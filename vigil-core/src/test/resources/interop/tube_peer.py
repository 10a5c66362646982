"""A peer process for vigil's Tube tests: plain Python sockets and eventfds, no vigil.

Usage: tube_peer.py connect PATH [UID]  -- connects a SOCK_SEQPACKET socket to PATH
                                           (first becoming user and group UID if given)
       tube_peer.py listen PATH [UID]   -- binds and listens at PATH, accepts one peer
Prints "connected" (or "refused ERRNO"), then answers one command per line on stdin:
  recv           socket.recv_fds; prints "msg TEXT NFDS", or "eof"; keeps the descriptors
  read I         os.eventfd_read on received descriptor I; prints the value
  write I N      os.eventfd_write(N) on received descriptor I; prints "ok"
  send TEXT      sends TEXT with a new eventfd of its own attached; prints "ok"
  ownread J      os.eventfd_read on its own eventfd J; prints the value
  ownwrite J N   os.eventfd_write(N) on its own eventfd J; prints "ok"
  cred           prints the peer's "PID UID GID" (SO_PEERCRED)
  die            exits at once, in the middle of the conversation
  quit           closes everything and exits
"""
import os
import socket
import struct
import sys


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        uid = int(sys.argv[3])
        os.setgid(uid)
        os.setuid(uid)
    if mode == "listen":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server.bind(path)
        os.chmod(path, 0o666)
        server.listen(1)
        print("listening", flush=True)
        sock, _ = server.accept()
        server.close()
        os.unlink(path)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.connect(path)
        except OSError as e:
            print(f"refused {e.errno}", flush=True)
            return
    # Set only now: a connect with a timeout would be non-blocking and could fail with EAGAIN.
    # From here on a receive or send that gets stuck raises after a minute; the peer then
    # exits, its stdout closes, and the test's read of it ends instead of waiting forever.
    sock.settimeout(60)
    print("connected", flush=True)
    held = []
    own = []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command = words[0]
        if command == "recv":
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 16, 253)
            if not msg and not fds:
                print("eof", flush=True)
            else:
                held.extend(fds)
                print(f"msg {msg.decode()} {len(fds)}", flush=True)
        elif command == "read":
            print(os.eventfd_read(held[int(words[1])]), flush=True)
        elif command == "write":
            os.eventfd_write(held[int(words[1])], int(words[2]))
            print("ok", flush=True)
        elif command == "send":
            fd = os.eventfd(0, os.EFD_CLOEXEC)
            own.append(fd)
            socket.send_fds(sock, [words[1].encode()], [fd])
            print("ok", flush=True)
        elif command == "ownread":
            print(os.eventfd_read(own[int(words[1])]), flush=True)
        elif command == "ownwrite":
            os.eventfd_write(own[int(words[1])], int(words[2]))
            print("ok", flush=True)
        elif command == "cred":
            creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            print("%d %d %d" % struct.unpack("3i", creds), flush=True)
        elif command == "die":
            os._exit(7)
        elif command == "quit":
            break
    for fd in held + own:
        os.close(fd)
    sock.close()


if __name__ == "__main__":
    main()
