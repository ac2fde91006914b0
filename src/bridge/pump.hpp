// One direction of a bridged connection: splice() from a socket into a pipe and on to the other socket,
// never holding more than one pipe load; emptied pipes are kept for the next connection.
#pragma once

#include "base/unique_fd.hpp"

#include <cstddef>
#include <vector>

namespace sdshim {

inline constexpr int kPipeBytes = 256 * 1024;  // asked of F_SETPIPE_SZ; the kernel's 64 KiB if refused

struct Pipe {
    UniqueFd r, w;
};

struct Flow {
    Pipe pipe;
    int pipe_bytes = 0;  // what the pipe holds: read from one socket, not yet written to the other
    bool eof = false;    // the reading side sent FIN
    bool shut = false;   // ... and it was passed on: shutdown(SHUT_WR) of the writing side
};

class PipePool {
  public:
    PipePool();               // room for every spare pipe: give_back() never allocates
    bool take(Pipe& p);       // a spare pipe, or a new one; false when pipe2() fails (fd limit)
    void give_back(Flow& f);  // the flow's pipe, if it is empty; one that still holds bytes is closed
    std::size_t spare() const { return spare_.size(); }

  private:
    std::vector<Pipe> spare_;
};

// Moves bytes from `from` to `to` through the flow's pipe, never holding more than one pipe load:
// a slow reader leaves data in the pipe, and `from` is not read again until it drains. A read that
// fills less than the pipe leaves the rest to the next EPOLLIN (level-triggered): no read is spent
// on learning that the socket is empty. `may_read` false: only what the pipe holds is written (the
// PROXY header is not sent yet). Once `from` ended and the pipe is empty, `to` is shut down for
// writing. False when the connection cannot go on (`to` gone, a read error, no pipe to be had).
bool pump(Flow& f, PipePool& pipes, int from, int to, bool may_read);

}  // namespace sdshim
