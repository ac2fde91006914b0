// One direction of a bridged connection: splice() from a socket into a pipe and on to the other socket,
// never holding more than one pipe load; emptied pipes are kept for the next connection.
#include "bridge/pump.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace sdshim {
namespace {

constexpr int kPumpRounds = 16;  // pipe loads moved per flow and wake-up, so one flow cannot starve the rest
constexpr std::size_t kSparePipes = 64;

}  // namespace

bool PipePool::take(Pipe& p) {
    if (!spare_.empty()) {
        p = std::move(spare_.back());
        spare_.pop_back();
        return true;
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    p.r.reset(fds[0]);
    p.w.reset(fds[1]);
    ::fcntl(fds[1], F_SETPIPE_SZ, kPipeBytes);
    return true;
}

PipePool::PipePool() { spare_.reserve(kSparePipes); }

void PipePool::give_back(Flow& f) {
    // A pipe that still holds bytes (a connection closed mid-transfer) is closed, never reused.
    if (f.pipe.r && f.pipe_bytes == 0 && spare_.size() < kSparePipes) spare_.push_back(std::move(f.pipe));
    f.pipe.r.reset();
    f.pipe.w.reset();
    f.pipe_bytes = 0;
}

bool pump(Flow& f, PipePool& pipes, int from, int to, bool may_read) {
    bool short_read = false;
    for (int round = 0; round < kPumpRounds; ++round) {
        while (f.pipe_bytes > 0) {
            ssize_t n = ::splice(f.pipe.r.get(), nullptr, to, nullptr, static_cast<std::size_t>(f.pipe_bytes),
                                 SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) {
                f.pipe_bytes -= static_cast<int>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return true;  // `to` is full: wait until it is writable
            return false;                               // the reader is gone (EPIPE, ECONNRESET)
        }
        if (!may_read || f.eof || short_read) break;
        if (!f.pipe.r && !pipes.take(f.pipe)) return false;
        // Read only into an empty pipe: EAGAIN then means the socket has nothing, never a full pipe.
        ssize_t n = ::splice(from, nullptr, f.pipe.w.get(), nullptr, kPipeBytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
            f.pipe_bytes = static_cast<int>(n);
            short_read = n < kPipeBytes;
            continue;
        }
        if (n == 0) {
            f.eof = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return false;
    }
    if (f.pipe_bytes == 0) pipes.give_back(f);
    if (f.eof && f.pipe_bytes == 0 && !f.shut) {
        ::shutdown(to, SHUT_WR);
        f.shut = true;
    }
    return true;
}

}  // namespace sdshim
