// The watchdog's probe for --ready=exec: the server serves while its main process runs, not stopped.
#include "readiness/probe.hpp"

#include "proc/proc_sockets.hpp"

#include <fmt/format.h>

namespace sdshim {
namespace {

class RunningProbe final : public Probe {
  public:
    explicit RunningProbe(ServingCheck check) : check_(std::move(check)) {}
    Look look(const Question& q) override {
        if (read_process_sockets(q.main_pid, 0).stopped)
            return Look::not_serving(fmt::format("{} (pid {}) is stopped", check_.program, q.main_pid));
        return Look::serving("it runs");
    }
    Description describe() const override { return {check_.program + " to run", "waiting for the exec"}; }

  private:
    ServingCheck check_;
};

}  // namespace

std::unique_ptr<Probe> make_running_probe(const ServingCheck& check) { return std::make_unique<RunningProbe>(check); }

}  // namespace sdshim
