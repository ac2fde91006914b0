// The server's process: its launch (the last step of the start that may fail), its pid, how it
// ended, and what each reaping round says of it.
#include "launch/server_process.hpp"

#include "base/log.hpp"
#include "base/shortage.hpp"
#include "core/exit_status.hpp"
#include "core/fd_hygiene.hpp"

#include <utility>

namespace sdshim {

int ServerProcess::start(const LaunchSpec& spec, int inherited) {
    name_ = spec.argv.at(0);
    Reaper::OnExit on_exit = [this](int status) {  // made before the launch: no allocation after it
        status_ = status;
        exited_now_ = true;
        log::info("{} (pid {}) {}", name_, pid_, describe_status(status));
        exited_(status);
    };
    auto launched = launch(spec);
    if (!launched) {  // out of processes is no exec error
        const int err = launched.error().code;
        log::error("{}{}", launched.message(), fd_limit_hint(err, inherited));
        return is_shortage(err) ? 1 : exit_code_for_exec_error(err);
    }
    pid_ = *launched;
    reaper_.expect(pid_, std::move(on_exit));
    return 0;
}

ServerProcess::Round ServerProcess::reap() {
    const Reaper::Round round = reaper_.reap();
    if (round.orphans > 0) log::debug("reaped {} orphaned process(es)", round.orphans);
    return Round{std::exchange(exited_now_, false), round.none_left};
}

}  // namespace sdshim
