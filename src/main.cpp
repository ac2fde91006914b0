// The entry point: parses the command line, takes in what was inherited, plans the run and hands
// the plan to the Supervisor (or prints it, for inspect; looks once at a target, for check; or asks
// PID 1 for a checked reload, for reload).
#include "adapters/adapters.hpp"
#include "adapters/inspect_report.hpp"
#include "base/log.hpp"
#include "base/proc_text.hpp"
#include "config/cli.hpp"
#include "core/exit_status.hpp"
#include "core/fd_hygiene.hpp"
#include "core/own_signals.hpp"
#include "health/health_check.hpp"
#include "plan/intake.hpp"
#include "plan/run_plan.hpp"
#include "supervisor.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <system_error>

extern char** environ;

namespace sdshim {
namespace {

std::string inspect_report(const Options& opt, const RunInputs& in) {
    const ServerKind kind = choose_server(opt.server, opt.command);
    const AdapterPlan adapter = plan_adapter(kind, opt.bridges.empty() ? in.sockets : std::vector<SocketInfo>{});
    return opt.inspect_json ? inspect_json(in.activation, in.sockets, kind, adapter)
                            : inspect_text(in.activation, in.sockets, kind, adapter);
}

// Whether PID 1 catches `sig` (the SigCgt mask of /proc/1/status).
bool pid1_catches(int sig) {
    const std::string status = read_small_file("/proc/1/status");
    const auto at = status.find("\nSigCgt:");
    if (at == std::string::npos) return false;
    const auto mask = FieldReader(std::string_view(status).substr(at + 8)).number<unsigned long long>(16);
    return mask && sig >= 1 && sig <= 64 && ((*mask >> (sig - 1)) & 1) != 0;
}

// `sdshim reload`, not PID 1: a request queued to PID 1, then its answer, for up to `timeout`.
int request_reload(Millis timeout) {
    sigset_t answers;
    ::sigemptyset(&answers);
    ::sigaddset(&answers, SIGUSR1);
    ::sigaddset(&answers, SIGUSR2);
    ::sigprocmask(SIG_BLOCK, &answers, nullptr);
    // Never a host's init: only an sdshim (as ENTRYPOINT, or podman's --init) answers.
    std::string pid1 = read_small_file("/proc/1/comm");
    if (!pid1.empty() && pid1.back() == '\n') pid1.pop_back();
    if (pid1 != "sdshim" && pid1 != "podman-init") {
        log::error(
            "sdshim reload: PID 1 is '{}', not sdshim: run it in the container, as `podman exec NAME sdshim "
            "reload`",
            pid1);
        return kExitUsage;
    }
    // Its own real-time signal queues: many askers at once are as many requests. An sdshim PID 1 from
    // before it (another image's, through --init-path) takes SIGHUP, where a second pending one is lost.
    const int sig = pid1_catches(reload_request_signal()) ? reload_request_signal() : SIGHUP;
    sigval request{};
    request.sival_int = kReloadRequest;
    if (::sigqueue(1, sig, request) != 0) {
        const int err = errno;
        if (err == EAGAIN)
            log::error(
                "sdshim reload: PID 1's queue of signals is full (RLIMIT_SIGPENDING): nothing was asked; try again");
        else
            log::error("sdshim reload: cannot signal PID 1: {}", std::strerror(err));
        return 1;
    }
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::max(std::chrono::nanoseconds(0), until - std::chrono::steady_clock::now());
        const timespec wait{static_cast<time_t>(left.count() / 1'000'000'000),
                            static_cast<long>(left.count() % 1'000'000'000)};
        siginfo_t info{};
        const int sig = ::sigtimedwait(&answers, &info, &wait);
        if (sig < 0 && errno == EINTR) continue;
        if (sig < 0) {
            log::error(
                "sdshim reload: no answer from PID 1 within {} (--ready-timeout): is PID 1 sdshim 0.1.0 or later?",
                format_duration(timeout));
            return 1;
        }
        if (info.si_pid != 1) continue;
        if (sig == SIGUSR1) return std::fputs("sdshim reload: PID 1 sent the reload signal on\n", stdout) < 0 ? 1 : 0;
        log::error(
            "sdshim reload: refused by PID 1: the server keeps its configuration (PID 1's log and STATUS= say why)");
        return 1;
    }
}

}  // namespace
}  // namespace sdshim

int main(int argc, char** argv) {
    using namespace sdshim;
    init_logging();
    std::vector<std::string> args(argv, argv + argc);
    auto parsed = parse_cli(args, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
    if (!parsed) {
        log::error("{}", parsed.message());
        return kExitUsage;
    }
    const CliRequest& req = *parsed;
    if (req.action == CliAction::help) return std::fputs(help_text().c_str(), stdout) < 0 ? 1 : 0;
    if (req.action == CliAction::version) return std::fputs(version_text().c_str(), stdout) < 0 ? 1 : 0;
    configure_logging(req.options.log_level, req.options.log_format);
    if (req.options.reload) return request_reload(req.options.ready_timeout);
    if (req.options.check) {  // podman's HealthCmd=: one line on stdout, 0 healthy, 1 not
        const HealthVerdict verdict = check_health(*req.options.check, req.options.check_timeout);
        const std::string line = (verdict.healthy ? "healthy: " : "unhealthy: ") + verdict.text + "\n";
        return std::fputs(line.c_str(), stdout) < 0 ? 1 : verdict.healthy ? 0 : 1;
    }

    int inherited_sockets = 0;  // for the fd-limit hint of an error
    try {  // exceptions only until the loop runs: memory, or the kernel refused a part of the runtime
        auto inputs = take_inputs(environ);
        if (!inputs) {
            log::error("{}", inputs.message());
            return kExitUsage;
        }
        inherited_sockets = inputs->activation.count;
        if (req.options.inspect) return std::fputs(inspect_report(req.options, *inputs).c_str(), stdout) < 0 ? 1 : 0;
        auto plan = plan_run(req.options, *inputs);
        if (!plan) {
            log::error("{}", plan.message());
            return kExitUsage;
        }
        Supervisor supervisor(std::move(*plan));
        return supervisor.run();
    } catch (const StartFailure& e) {
        log::critical("cannot go on: {}{}", e.what(), fd_limit_hint(e.error().code, inherited_sockets));
    } catch (const std::system_error& e) {  // from a library
        log::critical("cannot go on: {}{}", e.what(), fd_limit_hint(e.code().value(), inherited_sockets));
    } catch (const std::exception& e) {
        log::critical("cannot go on: {}", e.what());
    }
    return 1;
}
