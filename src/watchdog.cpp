// Liveness: WATCHDOG=1 to the outer socket at half of WatchdogSec, only while the server passes its --ready mode's check.
#include "watchdog.hpp"

#include "exit_status.hpp"
#include "launch.hpp"
#include "log.hpp"
#include "parse_number.hpp"
#include "proc_sockets.hpp"
#include "process_tree.hpp"
#include "serving_probes.hpp"
#include "socket_check.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace sdshim {
namespace {

}  // namespace

std::optional<Millis> watchdog_from_env(const char* usec, const char* pid, pid_t self) {
    if (!usec) return std::nullopt;
    auto value = parse_whole_number<unsigned long long>(usec);
    if (!value || *value == 0) return std::nullopt;
    if (pid && *pid) {
        auto owner = parse_whole_number<long>(pid);
        if (!owner || *owner != self) return std::nullopt;
    }
    return Millis(std::max<unsigned long long>(1, *value / 1000));
}

Watchdog::Watchdog(EventLoop& loop, WatchdogConfig config, Notify notify)
    : loop_(loop), cfg_(std::move(config)), notify_(std::move(notify)), next_(loop.add_deadline([this] { tick(); })) {}

std::vector<std::pair<std::string, std::string>> Watchdog::server_env() const {
    if (cfg_.interval.count() == 0 || cfg_.check.mode.kind != ReadyKind::notify) return {};
    return {{"WATCHDOG_USEC", std::to_string(cfg_.interval.count() * 1000)}};
}

void Watchdog::start(pid_t main_pid) {
    main_pid_ = main_pid;
    if (cfg_.interval.count() == 0 || running_) return;
    if (cfg_.check.mode.kind == ReadyKind::notify) {
        log::debug("watchdog: {} pings itself (WATCHDOG_USEC={}); its WATCHDOG=1 is relayed", cfg_.check.program,
                   cfg_.interval.count() * 1000);
        return;
    }
    running_ = true;
    log::debug("watchdog: checking {} every {}", cfg_.check.program, format_duration(cfg_.interval / 2));
    tick();
}

void Watchdog::stop() {
    running_ = false;
    loop_.arm(next_, std::nullopt);
    if (probe_pid_ > 0) ::kill(probe_pid_, SIGKILL);
}

void Watchdog::server_message(NotifyMessage& msg) const {
    if (cfg_.interval.count() == 0 || cfg_.check.mode.kind == ReadyKind::notify) return;
    if (std::erase(msg.relay, std::string("WATCHDOG=1")) > 0)
        log::debug("WATCHDOG=1 from the server not relayed: sdshim's liveness check decides (--ready={})",
                   ready_mode_name(cfg_.check.mode));
}

void Watchdog::tick() {
    if (!running_) return;
    const Millis period = cfg_.interval / 2;
    loop_.arm(next_, EventLoop::Clock::now() + std::max(period, Millis(1)));
    if (cfg_.check.mode.kind != ReadyKind::command) return verdict(problem_now());
    if (probe_pid_ > 0) {  // still running a whole period later: that is the answer
        ::kill(probe_pid_, SIGKILL);
        probe_pid_ = 0;  // reaped as an orphan from now on
        verdict(fmt::format("'{}' did not exit within {}", cfg_.check.mode.argument, format_duration(period)));
    }
    start_probe();
}

void Watchdog::start_probe() {
    auto launched = launch_probe(cfg_.check);
    if (auto* failure = std::get_if<LaunchFailure>(&launched)) return verdict(failure->message);
    probe_pid_ = std::get<pid_t>(launched);
}

void Watchdog::probe_exited(int wait_status) {
    probe_pid_ = 0;
    if (!running_) return;
    const bool ok = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
    verdict(ok ? std::string() : fmt::format("'{}' {}", cfg_.check.mode.argument, describe_status(wait_status)));
}

std::string Watchdog::problem_now() const {
    switch (cfg_.check.mode.kind) {
        case ReadyKind::target:
            for (const auto& t : cfg_.check.targets)
                if (!target_accepts(t)) return fmt::format("{} does not accept connections", t.text);
            return {};
        case ReadyKind::pidfile:
            if (pidfile_names_running_process(cfg_.check.mode.argument)) return {};
            return fmt::format("its pid file {} names no running process", cfg_.check.mode.argument);
        case ReadyKind::exec: {
            const auto main = read_process_sockets(main_pid_, 0);
            if (main.stopped) return fmt::format("{} (pid {}) is stopped", cfg_.check.program, main_pid_);
            return {};
        }
        case ReadyKind::listen:
            break;
        default:
            return {};
    }
    // Processes are read in pid order (nginx: the master, then its workers) until one set of running
    // processes polls every watched socket, usually at the first worker: a check costs two fd tables,
    // not one per worker. Only a failing check reads them all, to say what is wrong.
    std::vector<ProcessSockets> tree;
    std::set<unsigned long> polled;
    auto all_polled = [&] {
        return !cfg_.check.watched.empty() && std::all_of(cfg_.check.watched.begin(), cfg_.check.watched.end(),
                                                    [&](const SocketInfo& s) { return polled.count(s.inode) > 0; });
    };
    for (const auto& [pid, ppid] : list_descendants_with_parents(::getpid())) {
        tree.push_back(read_process_sockets(pid, ppid));
        if (tree.back().stopped || tree.back().exited) continue;
        polled.insert(tree.back().polled.begin(), tree.back().polled.end());
        if (all_polled()) return {};
    }
    const auto listening = cfg_.check.watched.empty() ? listening_sockets_here() : std::set<unsigned long>{};
    const SocketCheck c = check_sockets(cfg_.check.watched, tree, main_pid_, {}, listening);
    if (!c.dropped.empty())
        return fmt::format("{} no longer holds inherited {}", cfg_.check.program, describe_sockets(c.dropped));
    if (cfg_.check.watched.empty())
        return c.polls_some_listener ? std::string()
                                     : fmt::format("no running process of {} polls a listening socket", cfg_.check.program);
    if (c.not_polled.empty()) return {};
    if (c.opaque_workers > 0) {  // fd tables unreadable (no CAP_SETUID/SETGID): a running worker has to do
        if (!warned_opaque_)
            log::warn("watchdog: cannot read the fd tables of {}'s workers: liveness means a worker runs",
                      cfg_.check.program);
        warned_opaque_ = true;
        const bool runs = std::any_of(tree.begin(), tree.end(), [&](const ProcessSockets& p) {
            return p.ppid == main_pid_ && !p.stopped && !p.exited;
        });
        return runs ? std::string() : fmt::format("every worker of {} is stopped or gone", cfg_.check.program);
    }
    return fmt::format("no running process of {} polls {}", cfg_.check.program, describe_sockets(c.not_polled));
}

void Watchdog::verdict(const std::string& problem) {
    if (problem.empty()) {
        if (failing_) {
            log::info("{} passes its liveness check again: WATCHDOG=1 resumes", cfg_.check.program);
            notify_({fmt::format("STATUS={} serves again", cfg_.check.program)});
        }
        failing_ = false;
        return notify_({"WATCHDOG=1"});
    }
    if (failing_) return;
    failing_ = true;
    log::warn("{} fails its liveness check: {}; WATCHDOG=1 withheld, so systemd acts after WatchdogSec={}",
              cfg_.check.program, problem, format_duration(cfg_.interval));
    notify_({fmt::format("STATUS=not serving: {}", problem).substr(0, 2000)});
}

}  // namespace sdshim
