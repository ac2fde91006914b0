// Wires the modules together: options, logging, launch, then the one event loop until exit.
#include "child_env.hpp"
#include "cli.hpp"
#include "event_loop.hpp"
#include "exit_status.hpp"
#include "fd_hygiene.hpp"
#include "forwarder.hpp"
#include "launch.hpp"
#include "log.hpp"
#include "reaper.hpp"
#include "shutdown.hpp"
#include "signal_channel.hpp"
#include "signal_names.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>

#include <unistd.h>

extern char** environ;

namespace sdshim {
namespace {

int run(const Options& opt) {
    if (!become_subreaper_unless_pid1())
        spdlog::warn("cannot become a child subreaper (prctl: {}): orphans of the server will not be reaped here",
                     std::strerror(errno));
    close_fds_from(3);

    SignalChannel signals;
    EventLoop loop;

    LaunchSpec spec;
    spec.argv = opt.command;
    spec.env = build_child_env(environ, {});
    auto launched = launch(spec);
    if (auto* failure = std::get_if<LaunchFailure>(&launched)) {
        spdlog::error("{}", failure->message);
        return exit_code_for_exec_error(failure->error);
    }
    const pid_t main_pid = std::get<pid_t>(launched);
    spdlog::debug("started {} as pid {}", opt.command[0], main_pid);
    if (::chdir("/") != 0) spdlog::debug("chdir /: {}", std::strerror(errno));

    Forwarder forwarder(opt.signal_map, opt.forward_to);
    StopSequence stop(opt.grace, opt.exit_grace);
    std::optional<int> main_status;
    bool finished = false;
    auto finish = [&] {
        finished = true;
        loop.stop();
    };

    std::function<void(StopSequence::Deadline)> arm = [&](StopSequence::Deadline when) {
        loop.set_deadline(when, [&] {
            arm(stop.deadline_expired(EventLoop::Clock::now()));
            if (stop.gave_up()) finish();
        });
    };
    auto on_children = [&] {
        ReapResult r = reap_children(main_pid);
        if (r.orphans_reaped > 0) spdlog::debug("reaped {} orphaned process(es)", r.orphans_reaped);
        if (r.main_status) {
            main_status = r.main_status;
            spdlog::info("{} (pid {}) {}", opt.command[0], main_pid, describe_status(*main_status));
        }
        if (!main_status) return;
        if (r.no_children_left) return finish();
        if (r.main_status) arm(stop.main_exited_with_survivors(EventLoop::Clock::now()));
    };
    loop.watch(signals.fd(), [&] {
        for (const auto& si : signals.drain()) {
            int sig = static_cast<int>(si.ssi_signo);
            if (sig == SIGCHLD) {
                on_children();
                continue;
            }
            auto d = forwarder.forward(sig, static_cast<pid_t>(si.ssi_pid), main_pid, !main_status);
            if (d.starts_stop) arm(stop.stop_requested(EventLoop::Clock::now()));
        }
    });
    on_children();  // the child may be gone already; its SIGCHLD then waits in the signalfd
    if (!finished) loop.run();
    // No status only if the main child outlived SIGKILL and the shim gave up waiting.
    return exit_code_from_status(main_status.value_or(SIGKILL), opt.success_exit);
}

}  // namespace
}  // namespace sdshim

int main(int argc, char** argv) {
    using namespace sdshim;
    init_logging();
    std::vector<std::string> args(argv, argv + argc);
    auto parsed = parse_cli(args, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
    if (auto* err = std::get_if<CliError>(&parsed)) {
        spdlog::error("{}", err->message);
        return kExitUsage;
    }
    const auto& req = std::get<CliRequest>(parsed);
    if (req.action == CliAction::help) {
        std::fputs(help_text().c_str(), stdout);
        return 0;
    }
    if (req.action == CliAction::version) {
        std::fputs(version_text().c_str(), stdout);
        return 0;
    }
    configure_logging(req.options.log_level, req.options.log_format);
    try {
        return run(req.options);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
