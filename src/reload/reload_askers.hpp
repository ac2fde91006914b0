// `sdshim reload` askers waiting for their answer: each gets exactly one, from the outcome that
// covers its request: the first check run that starts after it came, or the signal itself without a check.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace sdshim {

class ReloadAskers {
  public:
    // More waiting at once are refused at once (a flood of askers must not grow PID 1 without bound).
    static constexpr std::size_t kMaxWaiting = 1024;
    static constexpr std::uint64_t kAll = std::numeric_limits<std::uint64_t>::max();

    // `asker` waits for the outcome of check run `run` (or of the signal: any run). False when
    // kMaxWaiting wait already: answer it refused now.
    bool add(pid_t asker, std::uint64_t run);
    // SIGUSR1 (sent) or SIGUSR2 (refused) to each asker whose run is `up_to_run` or earlier. Never
    // blocks: one kill(2) each, to an asker that may be gone already.
    void answer(bool sent, std::uint64_t up_to_run = kAll);
    std::size_t waiting() const { return waiting_.size(); }

  private:
    struct Asker {
        pid_t pid;
        std::uint64_t run;
    };
    std::vector<Asker> waiting_;
};

}  // namespace sdshim
