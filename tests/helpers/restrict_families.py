"""Runs a command the way systemd's RestrictAddressFamilies= would: socket() and socketpair() with
any other address family fail with EAFNOSUPPORT (a seccomp filter, inherited across exec).

    restrict_families.py AF_UNIX,AF_NETLINK -- COMMAND [ARGS...]"""
import errno
import os
import socket
import sys

import seccomp

AF_MAX = 46  # Linux 6.x


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    allowed = {getattr(socket, name) for name in sys.argv[1].split(",")}
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for family in range(AF_MAX):
        if family in allowed:
            continue
        for call in ("socket", "socketpair"):
            f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), call, seccomp.Arg(0, seccomp.EQ, family))
    f.load()
    os.execvp(sys.argv[3], sys.argv[3:])


if __name__ == "__main__":
    main()
