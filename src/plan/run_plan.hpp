// The plan of a run: from the options, the inherited sockets and the environment, everything the
// Supervisor needs, decided up front by one pure function. No I/O here.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "base/duration.hpp"
#include "base/result.hpp"
#include "bridge/bridge.hpp"
#include "config/cli.hpp"
#include "core/forward_to.hpp"
#include "core/signal_map.hpp"
#include "launch/launch.hpp"
#include "notify/notify_access.hpp"
#include "notify/notify_address.hpp"
#include "readiness/readiness.hpp"
#include "reload/reload_check.hpp"
#include "watchdog/watchdog.hpp"

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// What the shim found when it started.
struct RunInputs {
    ActivationPlan activation;
    std::vector<SocketInfo> sockets;       // the inherited sockets, inspected
    std::vector<std::string> environment;  // the shim's own, KEY=VALUE
    pid_t self = 0;
};

struct RunPlan {
    ServerKind kind = ServerKind::generic;
    std::string program;                // what log and STATUS lines call the server
    int inherited_sockets = 0;          // for the fd-limit hint
    std::vector<std::string> warnings;  // to log before the start
    std::vector<std::string> debug;

    // The launch: the server's argv, its environment (NOTIFY_SOCKET is added once the relay has an
    // address), the fds it keeps, and what the shim does to them around the launch.
    LaunchSpec server;
    std::vector<int> set_nonblocking;     // before the launch
    std::vector<SocketInfo> handed_over;  // the shim closes its copies after the launch, unless it keeps them
    bool keep_own_copies = false;         // for the reload check, and --exit-idle's watch

    std::optional<NotifyAddress> notify_socket;  // the outer NOTIFY_SOCKET; none: no relay, no readiness, no watchdog
    NotifyAccess notify_access = NotifyAccess::all;

    ReadinessConfig readiness;  // its check (mode, program, sockets, targets, probe environment) is the watchdog's too
    Millis watchdog{0};         // WatchdogSec; 0 is off
    Millis exit_idle{0};        // --exit-idle; 0 is off
    std::vector<SocketInfo> idle_listeners;  // whose clients it counts: TCP listeners, UDP (none: the bridge's)

    std::optional<BridgeConfig> bridge;  // max_connections 0: from RLIMIT_NOFILE, raised after the launch

    SignalMap signal_map;  // the user's rules, then the adapter's defaults
    ForwardTo forward_to = ForwardTo::child;
    std::map<int, std::string> refused_signals;  // signal -> why it is not forwarded
    std::optional<int> reload_signal;            // after it the server replaces its workers
    ReloadCheckConfig reload_check;              // runs before the reload signal; empty argv: none
    Millis grace{8000};
    Millis exit_grace{2000};
    std::vector<int> success_exit;
};

// Every check of the options against what was inherited, and every decision that follows from them.
// The error is the one line to log; every such error is a usage error (exit 2).
Result<RunPlan> plan_run(const Options& options, const RunInputs& inputs);

// The value of `name` in a KEY=VALUE list, or null.
const char* find_variable(const std::vector<std::string>& environment, std::string_view name);

}  // namespace sdshim
