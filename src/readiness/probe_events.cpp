// The probes that only answer to an event: notify (the server's own READY=1) and exec (it runs).
#include "readiness/probe.hpp"

#include "proc/proc_sockets.hpp"

#include <fmt/format.h>

namespace sdshim {
namespace {

class NotifyProbe final : public Probe {
public:
    explicit NotifyProbe(ServingCheck check) : check_(std::move(check)) {}
    Look ready(pid_t, const std::set<pid_t>&) override { return Look::pending(); }
    // Not asked: a server that speaks sd_notify gets WATCHDOG_USEC and pings by itself.
    Look alive(pid_t) override { return Look::serving("it pings by itself"); }
    std::optional<PollSchedule> schedule() const override { return std::nullopt; }
    std::string waiting_for() const override { return check_.program + " to send READY=1"; }
    bool server_decides() const override { return true; }
    std::string timeout_hint() const override {
        return "; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND";
    }

private:
    ServingCheck check_;
};

class ExecProbe final : public Probe {
public:
    explicit ExecProbe(ServingCheck check) : check_(std::move(check)) {}
    Look ready(pid_t, const std::set<pid_t>&) override { return Look::serving("the program was executed"); }
    Look alive(pid_t main_pid) override {
        if (read_process_sockets(main_pid, 0).stopped)
            return Look::not_serving(fmt::format("{} (pid {}) is stopped", check_.program, main_pid));
        return Look::serving("it runs");
    }
    std::optional<PollSchedule> schedule() const override { return std::nullopt; }
    std::string waiting_for() const override { return "the exec"; }
    bool ready_when_started() const override { return true; }
    bool look_at_sockets_when_ready() const override { return false; }

private:
    ServingCheck check_;
};

}  // namespace

std::unique_ptr<Probe> make_notify_probe(const ServingCheck& check) { return std::make_unique<NotifyProbe>(check); }
std::unique_ptr<Probe> make_exec_probe(const ServingCheck& check) { return std::make_unique<ExecProbe>(check); }

}  // namespace sdshim
