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
    // How an asker hears its answer: SIGUSR1 (sent) or SIGUSR2 (refused); a unit test records it instead.
    using Tell = void (*)(pid_t asker, bool sent);
    static void signal_answer(pid_t asker, bool sent);

    explicit ReloadAskers(Tell tell = signal_answer) : tell_(tell) {}

    // `asker` waits for the outcome of check run `run` (or of the signal: any run). False when
    // kMaxWaiting wait already: answer it refused now.
    bool add(pid_t asker, std::uint64_t run);
    // The answer to each asker whose run is `up_to_run` or earlier. Never blocks: one kill(2) each, to
    // an asker that may be gone already.
    void answer(bool sent, std::uint64_t up_to_run = kAll);
    // An answer that needs no wait.
    void answer_now(pid_t asker, bool sent) const { tell_(asker, sent); }
    std::size_t waiting() const { return waiting_.size(); }

  private:
    struct Asker {
        pid_t pid;
        std::uint64_t run;
    };
    Tell tell_;
    std::vector<Asker> waiting_;
};

}  // namespace sdshim
