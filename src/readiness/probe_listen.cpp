// --ready=listen: the server serves once its running processes poll every inherited socket (nginx's
// workers have them in their epoll sets), read from /proc; with no inherited socket, once a process
// polls any listening socket.
#include "readiness/probe.hpp"

#include "base/log.hpp"
#include "proc/proc_sockets.hpp"
#include "proc/process_tree.hpp"
#include "readiness/socket_check.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>

namespace sdshim {
namespace {

constexpr int kOpaquePolls = 5;  // unreadable fd tables in a row before the fallback

class ListenProbe final : public Probe {
  public:
    explicit ListenProbe(ServingCheck check) : Probe(PollSchedule{}, true), check_(std::move(check)) {}

    Look look(const Question& q) override {
        static const std::set<pid_t> none;
        return q.starting ? starting(q.main_pid, q.old ? *q.old : none) : alive(q.main_pid);
    }

    Description describe() const override {
        if (check_.watched.empty()) {
            std::string detail = check_.program + " to poll a listening socket";
            return {detail, "waiting for " + detail};
        }
        return {fmt::format("{}'s workers to poll {}", check_.program, describe_sockets(unpolled())),
                fmt::format("waiting for {} to take {} inherited socket(s)", check_.program, check_.watched.size())};
    }

  private:
    Look starting(pid_t main_pid, const std::set<pid_t>& old) {
        const auto& watched = check_.watched;
        const auto listening = watched.empty() ? listening_sockets_here() : std::set<unsigned long>{};
        const SocketCheck c = check_sockets(watched, read_tree_sockets(::getpid()), main_pid, old, listening);
        not_polled_ = c.not_polled;
        Look look = Look::not_serving(c.not_polled.empty() ? check_.program + " polls no listening socket yet"
                                                           : "no new worker polls " + describe_sockets(c.not_polled));
        look.dropped = c.dropped;
        look.unpolled = c.not_polled;
        if (watched.empty() ? c.polls_some_listener : not_polled_.empty()) {
            look.outcome = Look::Outcome::serving;
            look.text = watched.empty() ? "a process polls a listening socket"
                                        : fmt::format("its workers poll {} inherited socket(s)", watched.size());
            return look;
        }
        // A process being exec'd or changing credentials is unreadable for an instant: only fd tables
        // that stay unreadable over several polls mean missing capabilities.
        opaque_polls_ = c.all_readable ? 0 : opaque_polls_ + 1;
        if (c.opaque_workers > 0 && opaque_polls_ >= kOpaquePolls) {
            if (!warned_opaque_)
                log::warn(
                    "cannot read the fd tables of {}'s workers (needs CAP_SETUID and CAP_SETGID, which podman "
                    "grants by default): READY=1 follows the workers' start, not their polling",
                    check_.program);
            warned_opaque_ = true;
            look.outcome = Look::Outcome::serving;
            look.text = "its workers started";
        }
        return look;
    }

    // Processes are read in pid order (nginx: the master, then its workers) until one set of running
    // processes polls every watched socket, usually at the first worker: a check costs two fd tables,
    // not one per worker. Only a failing check reads them all, to say what is wrong.
    Look alive(pid_t main_pid) {
        const auto& watched = check_.watched;
        std::vector<ProcessSockets> tree;
        std::set<unsigned long> polled;
        auto all_polled = [&] {
            return !watched.empty() && std::all_of(watched.begin(), watched.end(),
                                                   [&](const SocketInfo& s) { return polled.count(s.inode) > 0; });
        };
        for (const auto& [pid, ppid] : list_descendants_with_parents(::getpid())) {
            tree.push_back(read_process_sockets(pid, ppid));
            if (tree.back().stopped || tree.back().exited) continue;
            polled.insert(tree.back().polled.begin(), tree.back().polled.end());
            if (all_polled()) return Look::serving("its workers poll every inherited socket");
        }
        const auto listening = watched.empty() ? listening_sockets_here() : std::set<unsigned long>{};
        const SocketCheck c = check_sockets(watched, tree, main_pid, {}, listening);
        if (!c.dropped.empty())
            return Look::not_serving(
                fmt::format("{} no longer holds inherited {}", check_.program, describe_sockets(c.dropped)));
        if (watched.empty())
            return c.polls_some_listener ? Look::serving("a process polls a listening socket")
                                         : Look::not_serving(fmt::format(
                                               "no running process of {} polls a listening socket", check_.program));
        if (c.not_polled.empty()) return Look::serving("its workers poll every inherited socket");
        if (c.opaque_workers > 0) {  // fd tables unreadable (no CAP_SETUID/SETGID): a running worker has to do
            if (!warned_opaque_)
                log::warn("watchdog: cannot read the fd tables of {}'s workers: liveness means a worker runs",
                          check_.program);
            warned_opaque_ = true;
            const bool runs = std::any_of(tree.begin(), tree.end(), [&](const ProcessSockets& p) {
                return p.ppid == main_pid && !p.stopped && !p.exited;
            });
            return runs ? Look::serving("a worker runs")
                        : Look::not_serving(fmt::format("every worker of {} is stopped or gone", check_.program));
        }
        return Look::not_serving(
            fmt::format("no running process of {} polls {}", check_.program, describe_sockets(c.not_polled)));
    }

    const std::vector<SocketInfo>& unpolled() const { return not_polled_.empty() ? check_.watched : not_polled_; }

    ServingCheck check_;
    std::vector<SocketInfo> not_polled_;  // after the last look
    int opaque_polls_ = 0;
    bool warned_opaque_ = false;
};

}  // namespace

std::unique_ptr<Probe> make_listen_probe(const ServingCheck& check) { return std::make_unique<ListenProbe>(check); }

}  // namespace sdshim
