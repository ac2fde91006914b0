// The one test for "the shim is short of something": such a failure says nothing about the server.
#pragma once

#include <cerrno>

namespace sdshim {

// Out of fds (EMFILE, ENFILE), memory or buffers (ENOMEM, ENOBUFS), or processes (fork's EAGAIN): the
// work is shed and said so, and no verdict on the server or the command follows from it. Where EAGAIN
// means something else (an empty accept queue, a unix listener's full backlog) the caller tests it first.
inline bool is_shortage(int err) {
    return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS || err == EAGAIN;
}

}  // namespace sdshim
