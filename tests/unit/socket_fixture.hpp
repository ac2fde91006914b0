// Unit test fixture: an inherited socket as inspect_sockets() would describe it, listening unless changed.
#pragma once

#include "activation/activation.hpp"

#include <sys/socket.h>

inline sdshim::SocketInfo sock(int fd, const char* name, int family, const char* address, unsigned long inode,
                               int type = SOCK_STREAM) {
    sdshim::SocketInfo s;
    s.fd = fd;
    s.name = name;
    s.family = family;
    s.type = type;
    s.address = address;
    s.inode = inode;
    s.listening = true;
    return s;
}
