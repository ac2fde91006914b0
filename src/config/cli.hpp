// Command line and SDSHIM_* environment: what the user asked the shim to do.
#pragma once

#include "adapters/server_kind.hpp"
#include "base/duration.hpp"
#include "base/log_format.hpp"
#include "base/result.hpp"
#include "bridge/bridge_spec.hpp"
#include "core/forward_to.hpp"
#include "core/signal_map.hpp"
#include "health/health_target.hpp"
#include "notify/notify_access.hpp"
#include "readiness/dropped_socket_policy.hpp"
#include "readiness/ready_mode.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdshim {

struct Options {
    std::string log_level = "info";
    LogFormat log_format = LogFormat::text;
    Millis grace{8000};       // stop signal -> SIGKILL of what is left
    Millis exit_grace{2000};  // main child gone -> SIGTERM to the rest -> SIGKILL
    SignalMap signal_map;
    ForwardTo forward_to = ForwardTo::child;
    std::vector<int> success_exit;
    std::optional<ServerKind> server;  // --server; nullopt: auto
    ReadyMode ready;                   // --ready
    Millis ready_timeout{60000};
    std::string reload_check = "auto";  // --reload-check: auto, off or cmd:COMMAND
    std::optional<Millis>
        watchdog;  // --watchdog: WatchdogSec; 0 turns it off; unset: WATCHDOG_USEC if it names the shim
    NotifyAccess notify_access = NotifyAccess::all;
    DroppedSocketPolicy on_dropped_socket = DroppedSocketPolicy::fail;
    std::vector<BridgeSpec> bridges;         // --bridge SOCKET=TARGET
    std::size_t bridge_max_connections = 0;  // 0: from RLIMIT_NOFILE
    Millis bridge_connect_timeout = kDefaultBridgeConnectTimeout;
    ProxyProtocol bridge_proxy = ProxyProtocol::none;
    bool inspect = false;  // print the inherited sockets and what the adapter exports, then exit
    bool inspect_json = false;
    std::optional<HealthTarget> check;  // --check / sdshim check: look once whether it serves, then exit
    Millis check_timeout{5000};
    Millis exit_idle{0};  // --exit-idle: stop and exit 0 once no client connection was open this long; 0 is off
    bool reload = false;  // --reload / sdshim reload: ask PID 1 for a checked reload, wait for its answer
    std::vector<std::string> command;  // PROGRAM [ARGS...]
};

enum class CliAction { run, help, version };

struct CliRequest {
    CliAction action = CliAction::run;
    Options options;
};

using EnvLookup = std::function<const char*(const char*)>;

// Options from the environment first, then the command line, which wins. `sdshim inspect ...` is
// `sdshim --inspect ...`; with --inspect the program is optional (it only selects the adapter).
// `sdshim check [OPTIONS] TARGET` is `sdshim --check TARGET`, and takes no program.
// Parsing stops at the first non-option or at "--": `sdshim echo -v` runs `echo -v`.
// The error is one line naming the option or variable, the value and what was expected.
Result<CliRequest> parse_cli(const std::vector<std::string>& args, const EnvLookup& env);

// One entry of the option table, which drives the parser, --help and the man page alike: the
// accepted values, the expectation a bad value's error names, and the default all come from here.
struct Option {
    const char* name;         // long option, without "--" (a literal, as env)
    const char* env;          // SDSHIM_* variable
    std::string metavar;      // "DURATION", "child|group"; empty for a flag (1/0 in the variable)
    bool repeatable = false;  // the variable then holds a comma-separated list
    std::string help;         // what it does, ending with "(default ...)" where there is one
    std::string expected;     // "child or group": what a bad value's error says was expected; empty: the
                              // parser's error says it all
    // Parses a value into the options: an Error with no message means "`expected`", else it has a
    // reason of its own. One plain function per kind of option, with that option's constant spec.
    Status (*parse)(Options&, std::string_view, const void* spec) = nullptr;
    const void* spec = nullptr;
    Status apply(Options& o, std::string_view value) const { return parse(o, value, spec); }
};
const std::vector<Option>& option_table();

// The prose that --help and the man page share, so that they cannot drift apart.
inline constexpr const char* kUsageLines[] = {
    "sdshim [OPTIONS] [--] PROGRAM [ARGS...]",
    "sdshim inspect [--json] [--server KIND] [[--] PROGRAM [ARGS...]]",
    "sdshim check [--check-timeout DURATION] http://HOST[:PORT][/PATH] | tcp:HOST:PORT | unix:PATH",
    "sdshim reload [--ready-timeout DURATION]",
};
inline constexpr const char* kDescription =
    "Runs PROGRAM as the child of a PID-1 shim for podman containers: hands it the sockets systemd passed "
    "(LISTEN_FDS) with the right environment (LISTEN_PID, NGINX, LISTEN_FD_<NAME>), reaps every zombie, forwards "
    "signals, and on a stop signal (TERM, INT, QUIT) waits --grace before it SIGKILLs what is left. Options end at "
    "the first non-option argument or at \"--\". Every option can also be set by the environment variable shown "
    "beside it.";
inline constexpr const char* kExitStatus =
    "the main child's exit code, 128+N if signal N killed it, 126 if PROGRAM cannot be executed, 127 if it is not "
    "found, 2 for a usage error, 1 when the server did not become ready in time or closed an inherited socket, 0 "
    "after an --exit-idle stop.";

// Word-wraps text to lines of at most `width` columns, each prefixed by `indent`.
std::string wrap(std::string_view text, std::size_t width, std::string_view indent);

std::string help_text();
std::string version_text();

}  // namespace sdshim
