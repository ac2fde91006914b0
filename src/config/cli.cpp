// Command line and SDSHIM_* environment: what the user asked the shim to do.
#include "config/cli.hpp"

#include "base/build_info.hpp"
#include "base/parse_number.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string_view>

namespace sdshim {
namespace {

using Apply = Status (*)(Options&, std::string_view);

struct OptionSpec {
    const char* name;      // long option, without "--"
    const char* env;       // SDSHIM_* variable
    const char* metavar;   // empty for a flag: no value on the command line, 1/0 in the variable
    bool repeatable;       // the variable then holds a comma-separated list
    const char* help;
    Apply apply;           // the error says what was expected when the value is bad
};

Status set_log_level(Options& o, std::string_view v) {
    static constexpr std::array<std::string_view, 8> levels{"trace", "debug", "info", "warn",
                                                            "warning", "error", "critical", "off"};
    for (auto l : levels)
        if (v == l) {
            o.log_level = v == "warning" ? "warn" : std::string(v);
            return {};
        }
    return Error{"one of trace, debug, info, warn, error, critical, off"};
}

Status set_log_format(Options& o, std::string_view v) {
    if (v == "text") o.log_format = LogFormat::text;
    else if (v == "json") o.log_format = LogFormat::json;
    else return Error{"text or json"};
    return {};
}

Status set_grace(Options& o, std::string_view v) {
    auto d = parse_duration(v);
    if (!d) return Error{"a non-negative duration such as 8s, 500ms or 1m"};
    o.grace = *d;
    return {};
}

Status set_exit_grace(Options& o, std::string_view v) {
    auto d = parse_duration(v);
    if (!d) return Error{"a non-negative duration such as 2s or 500ms"};
    o.exit_grace = *d;
    return {};
}

Status add_map_signal(Options& o, std::string_view v) {
    auto rule = parse_signal_rule(v);
    if (!rule) return Error{"FROM:TO with signal names or numbers (" + rule.message() + ")"};
    o.signal_map.add(*rule);
    return {};
}

Status set_forward_to(Options& o, std::string_view v) {
    if (v == "child") o.forward_to = ForwardTo::child;
    else if (v == "group") o.forward_to = ForwardTo::group;
    else return Error{"child or group"};
    return {};
}

Status add_success_exit(Options& o, std::string_view v) {
    auto code = parse_whole_number<int>(v);
    if (!code || *code < 0 || *code > 255) return Error{"an exit code from 0 to 255"};
    o.success_exit.push_back(*code);
    return {};
}

Status set_server(Options& o, std::string_view v) {
    if (v == "auto") o.server = ServerChoice::automatic;
    else if (v == "nginx") o.server = ServerChoice::nginx;
    else if (v == "caddy") o.server = ServerChoice::caddy;
    else if (v == "generic") o.server = ServerChoice::generic;
    else return Error{"auto, nginx, caddy or generic"};
    return {};
}

Status set_ready(Options& o, std::string_view v) {
    auto mode = parse_ready_mode(v);
    if (!mode) return Error{"auto, notify, listen, exec, pidfile, pidfile:/ABSOLUTE/PATH or cmd:COMMAND"};
    o.ready = *mode;
    return {};
}

Status set_ready_timeout(Options& o, std::string_view v) {
    auto d = parse_duration(v);
    if (!d || d->count() == 0) return Error{"a positive duration such as 60s, 90s or 2m"};
    o.ready_timeout = *d;
    return {};
}

Status set_watchdog(Options& o, std::string_view v) {
    auto d = parse_duration(v);
    if (!d || (d->count() != 0 && (*d < kMinWatchdog || *d > kMaxWatchdog)))
        return Error{fmt::format("the unit's WatchdogSec= as a duration from {} to {} such as 10s or 1m, or 0 for off",
                                 format_duration(kMinWatchdog), format_duration(kMaxWatchdog))};
    o.watchdog = *d;
    return {};
}

Status set_notify_access(Options& o, std::string_view v) {
    if (v == "all") o.notify_access = NotifyAccess::all;
    else if (v == "main") o.notify_access = NotifyAccess::main;
    else return Error{"main or all"};
    return {};
}

Status set_on_dropped(Options& o, std::string_view v) {
    if (v == "fail") o.on_dropped_socket = DroppedSocketPolicy::fail;
    else if (v == "warn") o.on_dropped_socket = DroppedSocketPolicy::warn;
    else return Error{"fail or warn"};
    return {};
}

Status add_bridge(Options& o, std::string_view v) {
    auto spec = parse_bridge_spec(v);
    if (!spec) return spec.error();
    o.bridges.push_back(*spec);
    return {};
}

Status set_bridge_max(Options& o, std::string_view v) {
    auto n = parse_whole_number<std::size_t>(v);
    if (!n || *n == 0 || *n > 1000000) return Error{"a number of connections from 1 to 1000000"};
    o.bridge_max_connections = *n;
    return {};
}

Status set_bridge_connect_timeout(Options& o, std::string_view v) {
    auto d = parse_duration(v);
    if (!d || d->count() == 0) return Error{"a positive duration such as 10s or 500ms"};
    o.bridge_connect_timeout = *d;
    return {};
}

Status set_bridge_proxy(Options& o, std::string_view v) {
    auto p = parse_proxy_protocol(v);
    if (!p) return Error{"v1, v2 or none"};
    o.bridge_proxy = *p;
    return {};
}

std::optional<bool> parse_bool(std::string_view v) {
    if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
    if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) return false;
    return std::nullopt;
}

template <bool Options::*Flag>
Status set_flag(Options& o, std::string_view v) {
    auto b = parse_bool(v);
    if (!b) return Error{"1 or 0"};
    o.*Flag = *b;
    return {};
}

constexpr std::array<OptionSpec, 19> kOptions{{
    {"server", "SDSHIM_SERVER", "auto|nginx|caddy|generic", false,
     "server adapter; auto looks at the program's name, also behind a wrapper script (default auto)", set_server},
    {"inspect", "SDSHIM_INSPECT", "", false,
     "print every inherited socket and what the adapter would export, then exit 0 (also: sdshim inspect)",
     set_flag<&Options::inspect>},
    {"json", "SDSHIM_JSON", "", false, "with --inspect: print JSON", set_flag<&Options::inspect_json>},
    {"log-level", "SDSHIM_LOG_LEVEL", "LEVEL", false,
     "trace, debug, info, warn, error or off (default info)", set_log_level},
    {"log-format", "SDSHIM_LOG_FORMAT", "FORMAT", false,
     "text ([sdshim] level: message) or json (one object per line)", set_log_format},
    {"grace", "SDSHIM_GRACE", "DURATION", false,
     "after a stop signal, time before everything left is SIGKILLed (default 8s)", set_grace},
    {"exit-grace", "SDSHIM_EXIT_GRACE", "DURATION", false,
     "after the main child exits, time between SIGTERM and SIGKILL of the rest (default 2s)",
     set_exit_grace},
    {"map-signal", "SDSHIM_MAP_SIGNAL", "FROM:TO", true,
     "rewrite a received signal before forwarding it; TO=0 drops it (repeatable)", add_map_signal},
    {"forward-to", "SDSHIM_FORWARD_TO", "child|group", false,
     "send forwarded signals to the main child or to its whole process group (default child)",
     set_forward_to},
    {"success-exit", "SDSHIM_SUCCESS_EXIT", "CODE", true,
     "report this exit code of the main child as 0 (repeatable)", add_success_exit},
    {"ready", "SDSHIM_READY", "MODE", false,
     "when READY=1 goes to NOTIFY_SOCKET: notify (the server's own), listen (its workers poll the inherited "
     "sockets), target (every --bridge TARGET accepts), pidfile[:PATH], exec, cmd:COMMAND (/bin/sh -c COMMAND, "
     "run in / with the shim's environment in a process group of its own, exits 0); auto is target with "
     "--bridge, else listen for nginx and notify otherwise",
     set_ready},
    {"ready-timeout", "SDSHIM_READY_TIMEOUT", "DURATION", false,
     "fail and stop the server when it is not ready by then (default 60s)", set_ready_timeout},
    {"watchdog", "SDSHIM_WATCHDOG", "DURATION", false,
     "the unit's WatchdogSec= (1s to 24h, 0 for off): once ready, send WATCHDOG=1 every DURATION/2 while the "
     "server passes the --ready mode's check, so systemd restarts a server that stopped serving (notify: the "
     "server pings itself); default off, or WATCHDOG_USEC (clamped to the same bounds) when it reaches the "
     "container",
     set_watchdog},
    {"notify-access", "SDSHIM_NOTIFY_ACCESS", "main|all", false,
     "whose sd_notify messages are relayed: the main process or every process it started (default all)",
     set_notify_access},
    {"on-dropped-socket", "SDSHIM_ON_DROPPED_SOCKET", "fail|warn", false,
     "when the server closes an inherited socket (an nginx listen that matches no socket): stop with an error "
     "line naming the fix, or only warn (default fail)",
     set_on_dropped},
    {"bridge", "SDSHIM_BRIDGE", "SOCKET=TARGET", true,
     "accept on the inherited SOCKET (fd number or name) and relay each connection to the server's own "
     "TARGET (IPV4:PORT, [IPV6]:PORT, unix:/PATH); the server then gets no inherited socket (repeatable)",
     add_bridge},
    {"bridge-max-connections", "SDSHIM_BRIDGE_MAX_CONNECTIONS", "N", false,
     "bridged connections open at once; more wait in the kernel's backlog (default: what RLIMIT_NOFILE allows)",
     set_bridge_max},
    {"bridge-connect-timeout", "SDSHIM_BRIDGE_CONNECT_TIMEOUT", "DURATION", false,
     "how long a bridged client waits for TARGET to answer its connect (a full backlog included) before its "
     "connection is closed (default 10s)",
     set_bridge_connect_timeout},
    {"bridge-proxy-protocol", "SDSHIM_BRIDGE_PROXY_PROTOCOL", "v1|v2|none", false,
     "send the client's address to TARGET in a PROXY protocol header first (default none)", set_bridge_proxy},
}};

const OptionSpec* find_option(std::string_view name) {
    for (const auto& spec : kOptions)
        if (name == spec.name) return &spec;
    return nullptr;
}

Status apply_env(Options& o, const EnvLookup& env) {
    for (const auto& spec : kOptions) {
        const char* raw = env(spec.env);
        if (!raw) continue;
        std::string_view value(raw);
        auto apply_one = [&](std::string_view item) -> Status {
            if (auto applied = spec.apply(o, item); !applied)
                return Error{fmt::format("{}='{}': expected {}", spec.env, value, applied.message())};
            return {};
        };
        if (!spec.repeatable) {
            if (auto applied = apply_one(value); !applied) return applied;
            continue;
        }
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t end = value.find_first_of(", ", start);
            if (end == std::string_view::npos) end = value.size();
            if (end > start)
                if (auto applied = apply_one(value.substr(start, end - start)); !applied) return applied;
            start = end + 1;
        }
    }
    return {};
}

}  // namespace

Result<CliRequest> parse_cli(const std::vector<std::string>& args, const EnvLookup& env) {
    CliRequest req;
    if (auto applied = apply_env(req.options, env); !applied) return applied.error();

    std::size_t i = 1;  // args[0] is the shim itself
    if (args.size() > 1 && args[1] == "inspect") {
        req.options.inspect = true;
        ++i;
    }
    for (; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') break;  // first non-option: the program
        if (arg == "-h" || arg == "--help") {
            req.action = CliAction::help;
            return req;
        }
        if (arg == "-V" || arg == "--version") {
            req.action = CliAction::version;
            return req;
        }
        if (arg.substr(0, 2) != "--")
            return Error{fmt::format("unknown option '{}' (see sdshim --help)", arg)};
        std::string_view name = arg.substr(2);
        std::optional<std::string_view> value;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* spec = find_option(name);
        if (!spec) return Error{fmt::format("unknown option '--{}' (see sdshim --help)", name)};
        if (!*spec->metavar) {
            if (value) return Error{fmt::format("option '--{}' takes no value", name)};
            value = "1";
        }
        if (!value) {
            if (i + 1 >= args.size())
                return Error{fmt::format("option '--{}' needs a value: {}", name, spec->metavar)};
            value = args[++i];
        }
        if (auto applied = spec->apply(req.options, *value); !applied)
            return Error{fmt::format("--{} '{}': expected {}", name, *value, applied.message())};
    }
    for (; i < args.size(); ++i) req.options.command.push_back(args[i]);
    if (req.options.command.empty() && !req.options.inspect)
        return Error{"missing PROGRAM to run: usage: sdshim [OPTIONS] [--] PROGRAM [ARGS...]"};
    return req;
}

std::vector<OptionDoc> option_docs() {
    std::vector<OptionDoc> docs;
    for (const auto& spec : kOptions) docs.push_back({spec.name, spec.env, spec.metavar, spec.repeatable, spec.help});
    return docs;
}

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
    std::string out, line;
    auto flush = [&] {
        out.append(indent).append(line).push_back('\n');
        line.clear();
    };
    while (!text.empty()) {
        auto space = text.find(' ');
        std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (word.empty()) continue;
        if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) flush();
        if (!line.empty()) line.push_back(' ');
        line.append(word);
    }
    if (!line.empty()) flush();
    return out;
}

std::string help_text() {
    std::string out;
    for (const char* usage : kUsageLines) out.append(out.empty() ? "usage: " : "       ").append(usage).append("\n\n");
    out += wrap(kDescription, 96, "");
    out += "\noptions:\n";
    for (const auto& spec : kOptions) {
        out += fmt::format("  --{}{}{}\n", spec.name, *spec.metavar ? " " : "", spec.metavar);
        out += wrap(spec.help, 96, "      ");
        out += fmt::format("      env: {}{}\n", spec.env,
                           spec.repeatable ? " (comma-separated list)" : (*spec.metavar ? "" : "=1"));
    }
    out +=
        "  -h, --help      print this text\n"
        "  -V, --version   print the version, the commit, the architecture and the linkage\n"
        "\n";
    out += wrap(std::string("Exit status: ") + kExitStatus, 96, "");
    return out;
}

std::string version_text() { return fmt::format("sdshim {}\n", build_description()); }

}  // namespace sdshim
