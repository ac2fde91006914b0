// --ready=cmd:COMMAND: the server serves while `/bin/sh -c COMMAND` exits 0. The only probe that is a
// process: its look starts it, and the reaper's callback for its pid gives the answer.
#include "readiness/probe.hpp"

#include "base/log.hpp"
#include "base/shortage.hpp"
#include "core/exit_status.hpp"
#include "launch/group_child.hpp"

#include <fmt/format.h>

#include <sys/wait.h>

namespace sdshim {
namespace {

class CommandProbe final : public Probe {
  public:
    // A probe is a fork and exec of /bin/sh: tried at once, then retried from 100 ms, not 1 ms.
    CommandProbe(ServingCheck check, Reaper& reaper)
        : Probe(PollSchedule{true, Millis(100), Millis(2000)}),
          check_(std::move(check)),
          command_(check_.mode.argument),
          shell_(reaper) {}
    ~CommandProbe() override { cancel(); }

    Look look(const Question& q) override {
        Look look = start();
        if (look.outcome == Look::Outcome::cannot_run && q.starting) look.text = "--ready=cmd: " + look.text;
        return look;
    }
    Description describe() const override {
        std::string detail = fmt::format("'{}' to exit 0 ({} attempt(s))", command_, attempts_);
        return {detail, "waiting for " + detail};
    }
    std::string overdue(Millis waited) const override {
        return fmt::format("'{}' did not exit within {}", command_, format_duration(waited));
    }
    void cancel() override { shell_.abandon(); }

  private:
    // `/bin/sh -c COMMAND` in a process group of its own (not the terminal's foreground), run in /.
    Look start() {
        LaunchSpec spec;
        spec.argv = {"/bin/sh", "-c", command_};
        spec.env = check_.probe_env;
        auto launched = shell_.start(std::move(spec), [this](int status) { exited(status); });
        if (!launched) {
            if (is_shortage(launched.error().code)) return Look::unknown(launched.message());
            return Look::cannot_run(launched.message());
        }
        ++attempts_;
        log::debug("probe '{}' is pid {}", command_, *launched);
        return Look::pending();
    }

    void exited(int wait_status) {
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
            return answer(Look::serving(fmt::format("'{}' exited 0 (attempt {})", command_, attempts_)));
        answer(Look::not_serving(fmt::format("'{}' {}", command_, describe_status(wait_status))));
    }

    ServingCheck check_;
    std::string command_;
    GroupChild shell_;  // the shell and whatever it started
    int attempts_ = 0;
};

}  // namespace

std::unique_ptr<Probe> make_command_probe(const ServingCheck& check, Reaper& reaper) {
    return std::make_unique<CommandProbe>(check, reaper);
}

}  // namespace sdshim
