// Command line and SDSHIM_* environment: what the user asked the shim to do.
#pragma once

#include "bridge_spec.hpp"
#include "duration.hpp"
#include "log.hpp"
#include "ready_mode.hpp"
#include "signal_map.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sdshim {

enum class ForwardTo { child, group };
enum class ServerChoice { automatic, nginx, caddy, generic };

struct Options {
    std::string log_level = "info";
    LogFormat log_format = LogFormat::text;
    Millis grace{8000};       // stop signal -> SIGKILL of what is left
    Millis exit_grace{2000};  // main child gone -> SIGTERM to the rest -> SIGKILL
    SignalMap signal_map;
    ForwardTo forward_to = ForwardTo::child;
    std::vector<int> success_exit;
    ServerChoice server = ServerChoice::automatic;
    ReadyMode ready;             // --ready
    Millis ready_timeout{60000};
    std::optional<Millis> watchdog;  // --watchdog: WatchdogSec; 0 turns it off; unset: WATCHDOG_USEC if it names the shim
    NotifyAccess notify_access = NotifyAccess::all;
    DroppedSocketPolicy on_dropped_socket = DroppedSocketPolicy::fail;
    std::vector<BridgeSpec> bridges;           // --bridge SOCKET=TARGET
    std::size_t bridge_max_connections = 0;    // 0: from RLIMIT_NOFILE
    ProxyProtocol bridge_proxy = ProxyProtocol::none;
    bool inspect = false;       // print the inherited sockets and what the adapter exports, then exit
    bool inspect_json = false;
    std::vector<std::string> command;  // PROGRAM [ARGS...]
};

enum class CliAction { run, help, version };

struct CliRequest {
    CliAction action = CliAction::run;
    Options options;
};

struct CliError {
    std::string message;  // one line, names the option or variable, the value and what was expected
};

using EnvLookup = std::function<const char*(const char*)>;

// Options from the environment first, then the command line, which wins. `sdshim inspect ...` is
// `sdshim --inspect ...`; with --inspect the program is optional (it only selects the adapter).
// Parsing stops at the first non-option or at "--": `sdshim echo -v` runs `echo -v`.
std::variant<CliRequest, CliError> parse_cli(const std::vector<std::string>& args, const EnvLookup& env);

std::string help_text();
std::string version_text();

}  // namespace sdshim
