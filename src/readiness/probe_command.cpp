// --ready=cmd:COMMAND: the server serves while `/bin/sh -c COMMAND` exits 0. The only probe that is a
// process: readiness and the watchdog start it and hear of its exit through the reaper.
#include "readiness/probe.hpp"

#include "core/exit_status.hpp"
#include "launch/launch.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <sys/wait.h>

namespace sdshim {
namespace {

class CommandProbe final : public Probe {
public:
    explicit CommandProbe(ServingCheck check) : check_(std::move(check)), command_(check_.mode.argument) {}

    Look ready(pid_t, const std::set<pid_t>&) override {
        Look look = start();
        if (look.outcome == Look::Outcome::cannot_run) look.text = "--ready=cmd: " + look.text;
        return look;
    }
    Look alive(pid_t) override { return start(); }
    // A probe is a fork and exec of /bin/sh: retried from 100 ms, not 1 ms.
    std::optional<PollSchedule> schedule() const override { return PollSchedule{true, Millis(100), Millis(2000)}; }
    std::string waiting_for() const override {
        return fmt::format("'{}' to exit 0 ({} attempt(s))", command_, attempts_);
    }
    pid_t process() const override { return pid_; }
    Look process_exited(int wait_status) override {
        end_group();  // what it left running in the background would outlive every round
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
            return Look::serving(fmt::format("'{}' exited 0 (attempt {})", command_, attempts_));
        return Look::not_serving(fmt::format("'{}' {}", command_, describe_status(wait_status)));
    }
    void cancel() override { end_group(); }  // the shell is reaped as an orphan from now on

private:
    // `/bin/sh -c COMMAND` in a process group of its own (not the terminal's foreground), run in /.
    Look start() {
        LaunchSpec spec;
        spec.argv = {"/bin/sh", "-c", command_};
        spec.env = check_.probe_env;
        spec.take_terminal = false;
        auto launched = launch(spec);
        if (!launched) {
            if (is_shortage(launched.error().code)) return Look::unknown(launched.message());
            return Look::cannot_run(launched.message());
        }
        pid_ = *launched;
        ++attempts_;
        return Look::pending();
    }

    // SIGKILL to the probe's whole process group: the shell and whatever it started.
    void end_group() {
        if (pid_ > 0) ::kill(-pid_, SIGKILL);
        pid_ = 0;
    }

    ServingCheck check_;
    std::string command_;
    pid_t pid_ = 0;
    int attempts_ = 0;
};

}  // namespace

std::unique_ptr<Probe> make_command_probe(const ServingCheck& check) { return std::make_unique<CommandProbe>(check); }

}  // namespace sdshim
