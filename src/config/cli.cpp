// Command line and SDSHIM_* environment: what the user asked the shim to do.
#include "config/cli.hpp"

#include "adapters/adapters.hpp"
#include "base/build_info.hpp"
#include "base/parse_number.hpp"
#include "watchdog/watchdog_bounds.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace sdshim {
namespace {

// "a or b", "one of a, b or c".
std::string alternatives(const std::vector<std::string>& words) {
    std::string out = words.size() > 2 ? "one of " : "";
    for (std::size_t i = 0; i < words.size(); ++i)
        out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
    return out;
}

std::string with_default(std::string_view help, const std::string& value) {
    return value.empty() ? std::string(help) : fmt::format("{} (default {})", help, value);
}

// A duration within [min, max]; 0 also where `zero` says what it means.
struct DurationRange {
    Millis min{0};
    std::optional<Millis> max;
    const char* zero = nullptr;  // "off": 0 is accepted below min
};
constexpr DurationRange kWatchdogRange{kMinWatchdog, kMaxWatchdog, "off"};

std::string expected_duration(const DurationRange& r, Millis example) {
    std::string what = r.max ? fmt::format("a duration from {} to {}", format_duration(r.min), format_duration(*r.max))
                       : r.min.count() > 0 ? "a positive duration"
                                           : "a non-negative duration";
    std::string out = fmt::format("{} such as {}, 500ms or 1m", what, format_duration(example));
    if (r.max) out = fmt::format("{} such as {} or 1m", what, format_duration(example));
    if (r.zero) out += fmt::format(", or 0 for {}", r.zero);
    return out;
}

// 0 means `zero` only when it is written as 0: "0.0001ms" rounds to 0 and is below the range instead.
Status check_duration(const Result<Millis>& d, const DurationRange& r, std::string_view text) {
    if (!d) return d.error();
    const bool written_zero = text.find_first_of("123456789") == std::string_view::npos;
    if (d->count() == 0 && r.zero && written_zero) return {};
    if (*d < r.min || (r.max && *d > *r.max)) return Error{};
    return {};
}

// The entries of the table are constant data, one of these per option; make_table() turns each
// into an Option (the help with its default, the expectation, the parser) in the order listed there.
struct FlagSpec {
    const char* name;
    const char* env;
    const char* help;
    bool Options::*field;
};

struct DurationSpec {
    const char* name;
    const char* env;
    const char* help;
    Millis Options::*field;
    DurationRange range;
};

// One value out of a fixed list; `aliases` are accepted too, but not listed as their own choice.
template <class F, class V = F>
struct ChoiceSpec {
    const char* name;
    const char* env;
    const char* help;
    F Options::*field;
    std::span<const std::pair<const char*, V>> values;
    std::span<const std::pair<const char*, const char*>> aliases;
};

// A value of its own syntax: its parser says what is wrong, after `expected`.
struct CustomSpec {
    const char* name;
    const char* env;
    const char* metavar;
    bool repeatable;
    const char* help;
    const char* expected;
    Status (*apply)(Options&, std::string_view);
};

Status parse_flag(Options& opt, std::string_view v, const void* spec) {
    const auto field = static_cast<const FlagSpec*>(spec)->field;
    if (v == "1" || v == "true" || v == "yes" || v == "on")
        opt.*field = true;
    else if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty())
        opt.*field = false;
    else
        return Error{};
    return {};
}

void add(std::vector<Option>& t, const FlagSpec& spec) {
    t.push_back(Option{spec.name, spec.env, "", false, spec.help, "1 or 0", parse_flag, &spec});
}

Status parse_duration_option(Options& opt, std::string_view v, const void* spec) {
    const auto& s = *static_cast<const DurationSpec*>(spec);
    auto d = parse_duration(v);
    if (auto ok = check_duration(d, s.range, v); !ok) return ok;
    opt.*s.field = *d;
    return {};
}

void add(std::vector<Option>& t, const DurationSpec& spec) {
    const Millis def = Options{}.*spec.field;
    t.push_back(Option{spec.name, spec.env, "DURATION", false, with_default(spec.help, format_duration(def)),
                       expected_duration(spec.range, def.count() > 0 ? def : Millis(30000)), parse_duration_option,
                       &spec});
}

template <class F, class V>
Status parse_choice(Options& opt, std::string_view v, const void* spec) {
    const auto& s = *static_cast<const ChoiceSpec<F, V>*>(spec);
    std::string_view word = v;
    for (const auto& [alias, meaning] : s.aliases)
        if (v == alias) word = meaning;
    for (const auto& [w, value] : s.values)
        if (word == w) {
            opt.*s.field = value;
            return {};
        }
    return Error{};
}

template <class F, class V>
void add(std::vector<Option>& t, const ChoiceSpec<F, V>& spec) {
    std::string help(spec.help);
    std::vector<std::string> words;
    std::string def;
    for (const auto& [word, value] : spec.values) {
        words.emplace_back(word);
        if (Options{}.*spec.field == value) def = word;
    }
    std::string metavar;
    for (const auto& w : words) metavar += (metavar.empty() ? "" : "|") + w;
    for (const auto& [alias, meaning] : spec.aliases) help += fmt::format("; {} is {}", alias, meaning);
    t.push_back(Option{spec.name, spec.env, metavar, false, with_default(help, def), alternatives(words),
                       parse_choice<F, V>, &spec});
}

Status parse_custom(Options& opt, std::string_view v, const void* spec) {
    return static_cast<const CustomSpec*>(spec)->apply(opt, v);
}

void add(std::vector<Option>& t, const CustomSpec& spec) {
    t.push_back(
        Option{spec.name, spec.env, spec.metavar, spec.repeatable, spec.help, spec.expected, parse_custom, &spec});
}

// The table, in --help's order. Each entry is a constant that its Option points to (its parser reads
// it): no call site makes temporaries that need cleaning up (a table built with them cost 14 KB of
// code), and no entry needs a std::function of its own.
std::vector<Option> make_table() {
    std::vector<Option> t;
    static_assert(std::size(kServerKinds) == 3, "--server lists every kind");
    auto kind = [](int i) {
        return std::pair<const char*, std::optional<ServerKind>>{adapter_for(kServerKinds[i]).name, kServerKinds[i]};
    };
    static const std::pair<const char*, std::optional<ServerKind>> servers[] = {
        {"auto", std::nullopt}, kind(0), kind(1), kind(2)};
    {
        static const ChoiceSpec<std::optional<ServerKind>> spec{
            "server",
            "SDSHIM_SERVER",
            "server adapter; auto looks at the program's name, also behind a wrapper script",
            &Options::server,
            servers,
            {}};
        add(t, spec);
    }
    {
        static constexpr FlagSpec spec{
            "inspect", "SDSHIM_INSPECT",
            "print every inherited socket and what the adapter would export, then exit 0 (also: sdshim inspect)",
            &Options::inspect};
        add(t, spec);
    }
    {
        static constexpr FlagSpec spec{"json", "SDSHIM_JSON", "with --inspect: print JSON", &Options::inspect_json};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{
            "check",
            "SDSHIM_CHECK",
            "TARGET",
            false,
            "look once whether TARGET serves, print one line and exit 0 if it does, 1 if not (also: sdshim "
            "check TARGET), for podman's HealthCmd= in an image without curl: http://HOST[:PORT][/PATH] "
            "must answer 2xx or 3xx, tcp:HOST:PORT and unix:PATH must accept a connection",
            "http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH",
            [](Options& o, std::string_view v) -> Status {
                auto target = parse_health_target(v);
                if (!target) return target.error();
                o.check = *target;
                return {};
            }};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{
            "check-timeout", "SDSHIM_CHECK_TIMEOUT",
            "how long one look may take, its connect and answer together: --check's, and each of "
            "--ready=http://, tcp: and unix: (readiness looks again; the watchdog withholds WATCHDOG=1)",
            &Options::check_timeout, DurationRange{Millis(1), Millis(3600000)}};
        add(t, spec);
    }
    {
        static constexpr FlagSpec spec{
            "reload", "SDSHIM_RELOAD",
            "in the container (podman exec, the unit's ExecReload=): ask the sdshim that is PID 1 for a "
            "reload, which it checks first (--reload-check), and wait up to --ready-timeout for its answer; "
            "exit 0 if the reload signal went to the server, 1 if it was refused (PID 1's log and STATUS= "
            "say why); runs no program (also: sdshim reload)",
            &Options::reload};
        add(t, spec);
    }
    static constexpr std::pair<const char*, const char*> levels[] = {
        {"trace", "trace"}, {"debug", "debug"},       {"info", "info"}, {"warn", "warn"},
        {"error", "error"}, {"critical", "critical"}, {"off", "off"}};
    static constexpr std::pair<const char*, const char*> level_aliases[] = {{"warning", "warn"}};
    {
        static constexpr ChoiceSpec<std::string, const char*> spec{
            "log-level", "SDSHIM_LOG_LEVEL", "how much sdshim logs", &Options::log_level, levels, level_aliases};
        add(t, spec);
    }
    static constexpr std::pair<const char*, LogFormat> formats[] = {{"text", LogFormat::text},
                                                                    {"json", LogFormat::json}};
    {
        static constexpr ChoiceSpec<LogFormat> spec{"log-format",
                                                    "SDSHIM_LOG_FORMAT",
                                                    "text ([sdshim] level: message) or json (one object per line)",
                                                    &Options::log_format,
                                                    formats,
                                                    {}};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{"grace",
                                           "SDSHIM_GRACE",
                                           "after a stop signal, time before everything left is SIGKILLed",
                                           &Options::grace,
                                           {}};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{"exit-grace",
                                           "SDSHIM_EXIT_GRACE",
                                           "after the main child exits, time between SIGTERM and SIGKILL of the rest",
                                           &Options::exit_grace,
                                           {}};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{
            "exit-idle", "SDSHIM_EXIT_IDLE",
            "scale to zero: once no client connection has been open for DURATION, stop the server "
            "gracefully and exit 0; systemd keeps the socket, and the next connection starts the "
            "container again (counted: the clients of nginx's and caddy's inherited TCP and UDP sockets, in "
            "whatever network namespace systemd made them, and --bridge's own)",
            &Options::exit_idle, DurationRange{Millis(1000), Millis(86400000), "off"}};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{"map-signal",
                                         "SDSHIM_MAP_SIGNAL",
                                         "FROM:TO",
                                         true,
                                         "rewrite a received signal before forwarding it; TO=0 drops it (repeatable)",
                                         "FROM:TO with signal names or numbers",
                                         [](Options& o, std::string_view v) -> Status {
                                             auto rule = parse_signal_rule(v);
                                             if (!rule) return rule.error();
                                             o.signal_map.add(*rule);
                                             return {};
                                         }};
        add(t, spec);
    }
    static constexpr std::pair<const char*, ForwardTo> targets[] = {{"child", ForwardTo::child},
                                                                    {"group", ForwardTo::group}};
    {
        static constexpr ChoiceSpec<ForwardTo> spec{
            "forward-to",
            "SDSHIM_FORWARD_TO",
            "send forwarded signals to the main child or to its whole process group",
            &Options::forward_to,
            targets,
            {}};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{"success-exit",
                                         "SDSHIM_SUCCESS_EXIT",
                                         "CODE",
                                         true,
                                         "report this exit code of the main child as 0 (repeatable)",
                                         "an exit code from 0 to 255",
                                         [](Options& o, std::string_view v) -> Status {
                                             auto code = parse_whole_number<int>(v);
                                             if (!code || *code < 0 || *code > 255) return Error{};
                                             o.success_exit.push_back(*code);
                                             return {};
                                         }};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{
            "ready",
            "SDSHIM_READY",
            "MODE",
            false,
            "when READY=1 goes to NOTIFY_SOCKET: notify (the server's own), listen (its workers poll the "
            "inherited sockets), target (every --bridge TARGET accepts), pidfile[:PATH], exec, cmd:COMMAND "
            "(/bin/sh -c COMMAND, run in / with the shim's environment in a process group of its own, exits "
            "0), http://HOST[:PORT][/PATH] (a GET answers 2xx or 3xx), tcp:HOST:PORT or unix:PATH (accepts "
            "a connection), each look within --check-timeout; auto is target with --bridge, else listen for a "
            "server that sends no READY=1 of its own (nginx) and notify otherwise (default auto)",
            "auto, notify, listen, target, exec, pidfile, pidfile:/ABSOLUTE/PATH, cmd:COMMAND, "
            "http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH",
            [](Options& o, std::string_view v) -> Status {
                auto mode = parse_ready_mode(v);
                if (!mode) return mode.error();
                o.ready = *mode;
                return {};
            }};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{"ready-timeout", "SDSHIM_READY_TIMEOUT",
                                           "fail and stop the server when it is not ready by then",
                                           &Options::ready_timeout, DurationRange{Millis(1), std::nullopt, nullptr}};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{
            "reload-check",
            "SDSHIM_RELOAD_CHECK",
            "CHECK",
            false,
            "what runs before the server's reload signal (nginx: SIGHUP), which goes only if it exits 0; "
            "else the server keeps its configuration, and the check's first line is logged and in "
            "STATUS=: auto is the adapter's test (nginx -t -q with the server's own arguments, as "
            "the shim's user), off sends the signal at once, cmd:COMMAND runs /bin/sh -c COMMAND; it "
            "must end within --ready-timeout (default auto)",
            "auto, off or cmd:COMMAND",
            [](Options& o, std::string_view v) -> Status {
                if (v != "auto" && v != "off" && !command_of(v)) return Error{};
                o.reload_check = std::string(v);
                return {};
            }};
        add(t, spec);
    }
    // Its help and expectation name the bounds, formatted here: not constant text.
    {
        static constexpr CustomSpec spec{
            "watchdog", "SDSHIM_WATCHDOG", "DURATION", false, "", "", [](Options& o, std::string_view v) -> Status {
                auto d = parse_duration(v);
                if (auto ok = check_duration(d, kWatchdogRange, v); !ok) return ok;
                o.watchdog = *d;
                return {};
            }};
        add(t, spec);
        t.back().help = fmt::format(
            "the unit's WatchdogSec= ({} to {}, 0 for off): once ready, send WATCHDOG=1 every "
            "DURATION/2 while the server passes the --ready mode's check, so systemd restarts a "
            "server that stopped serving (notify: the server pings itself); default off, or "
            "WATCHDOG_USEC (clamped to the same bounds) when it reaches the container",
            format_duration(kMinWatchdog), format_duration(kMaxWatchdog));
        t.back().expected = "the unit's WatchdogSec= as " + expected_duration(kWatchdogRange, Millis(10000));
    }
    static constexpr std::pair<const char*, NotifyAccess> access[] = {{"main", NotifyAccess::main},
                                                                      {"all", NotifyAccess::all}};
    {
        static constexpr ChoiceSpec<NotifyAccess> spec{
            "notify-access",
            "SDSHIM_NOTIFY_ACCESS",
            "whose sd_notify messages are relayed: the main process or every process it started",
            &Options::notify_access,
            access,
            {}};
        add(t, spec);
    }
    static constexpr std::pair<const char*, DroppedSocketPolicy> dropped[] = {{"fail", DroppedSocketPolicy::fail},
                                                                              {"warn", DroppedSocketPolicy::warn}};
    {
        static constexpr ChoiceSpec<DroppedSocketPolicy> spec{
            "on-dropped-socket",
            "SDSHIM_ON_DROPPED_SOCKET",
            "when the server closes an inherited socket (an nginx listen that matches no socket): stop with "
            "an error line naming the fix, or only warn",
            &Options::on_dropped_socket,
            dropped,
            {}};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{
            "bridge",
            "SDSHIM_BRIDGE",
            "SOCKET=TARGET",
            true,
            "accept on the inherited SOCKET (fd number or name) and relay each connection to the server's "
            "own TARGET (IPV4:PORT, [IPV6]:PORT, unix:/PATH); the server then gets no inherited socket "
            "(repeatable)",
            "",
            [](Options& o, std::string_view v) -> Status {  // its error is the whole expectation
                auto spec = parse_bridge_spec(v);
                if (!spec) return spec.error();
                o.bridges.push_back(*spec);
                return {};
            }};
        add(t, spec);
    }
    {
        static constexpr CustomSpec spec{
            "bridge-max-connections",
            "SDSHIM_BRIDGE_MAX_CONNECTIONS",
            "N",
            false,
            "bridged connections open at once; more wait in the kernel's backlog (default: what "
            "RLIMIT_NOFILE allows)",
            "a number of connections from 1 to 1000000",
            [](Options& o, std::string_view v) -> Status {
                auto n = parse_whole_number<std::size_t>(v);
                if (!n || *n == 0 || *n > 1000000) return Error{};
                o.bridge_max_connections = *n;
                return {};
            }};
        add(t, spec);
    }
    {
        static constexpr DurationSpec spec{
            "bridge-connect-timeout", "SDSHIM_BRIDGE_CONNECT_TIMEOUT",
            "how long a bridged client waits for TARGET to answer its connect (a full backlog included) "
            "before its connection is closed",
            &Options::bridge_connect_timeout, DurationRange{Millis(1), std::nullopt, nullptr}};
        add(t, spec);
    }
    static constexpr std::pair<const char*, ProxyProtocol> headers[] = {
        {"v1", ProxyProtocol::v1}, {"v2", ProxyProtocol::v2}, {"none", ProxyProtocol::none}};
    static constexpr std::pair<const char*, const char*> header_aliases[] = {{"1", "v1"}, {"2", "v2"}, {"off", "none"}};
    {
        static constexpr ChoiceSpec<ProxyProtocol> spec{
            "bridge-proxy-protocol",
            "SDSHIM_BRIDGE_PROXY_PROTOCOL",
            "send the client's address to TARGET in a PROXY protocol header first",
            &Options::bridge_proxy,
            headers,
            header_aliases};
        add(t, spec);
    }
    return t;
}

// "expected X", and the parser's own reason where it gave one.
// `what`: "--grace '-1'" or "SDSHIM_GRACE='-1'".
Error bad_value(const std::string& what, const Option& option, const Error& why) {
    if (option.expected.empty()) return Error{fmt::format("{}: expected {}", what, why.message)};
    std::string line = fmt::format("{}: expected {}", what, option.expected);
    if (!why.message.empty()) line += " (" + why.message + ")";
    return Error{line};
}

const Option* find_option(std::string_view name) {
    for (const auto& spec : option_table())
        if (name == spec.name) return &spec;
    return nullptr;
}

Status apply_env(Options& o, const EnvLookup& env) {
    for (const auto& spec : option_table()) {
        const char* raw = env(spec.env);
        if (!raw) continue;
        std::string_view value(raw);
        auto apply_one = [&](std::string_view item) -> Status {
            if (auto applied = spec.apply(o, item); !applied)
                return bad_value(fmt::format("{}='{}'", spec.env, value), spec, applied.error());
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

const std::vector<Option>& option_table() {
    static const std::vector<Option> table = make_table();
    return table;
}

Result<CliRequest> parse_cli(const std::vector<std::string>& args, const EnvLookup& env) {
    CliRequest req;
    if (auto applied = apply_env(req.options, env); !applied) return applied.error();

    std::size_t i = 1;  // args[0] is the shim itself
    const bool check_command = args.size() > 1 && args[1] == "check";
    if (args.size() > 1 && args[1] == "inspect") {
        req.options.inspect = true;
        ++i;
    } else if (args.size() > 1 && args[1] == "reload") {
        req.options.reload = true;
        ++i;
    } else if (check_command) {
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
        if (arg.substr(0, 2) != "--") return Error{fmt::format("unknown option '{}' (see sdshim --help)", arg)};
        std::string_view name = arg.substr(2);
        std::optional<std::string_view> value;
        if (auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const Option* spec = find_option(name);
        if (!spec) return Error{fmt::format("unknown option '--{}' (see sdshim --help)", name)};
        if (spec->metavar.empty()) {
            if (value) return Error{fmt::format("option '--{}' takes no value", name)};
            value = "1";
        }
        if (!value) {
            if (i + 1 >= args.size()) return Error{fmt::format("option '--{}' needs a value: {}", name, spec->metavar)};
            value = args[++i];
        }
        if (auto applied = spec->apply(req.options, *value); !applied)
            return bad_value(fmt::format("--{} '{}'", name, *value), *spec, applied.error());
    }
    for (; i < args.size(); ++i) req.options.command.push_back(args[i]);
    if (check_command) {
        if (req.options.command.size() != 1)
            return Error{fmt::format("sdshim check takes one TARGET, not {}: usage: {}", req.options.command.size(),
                                     kUsageLines[2])};
        const Option& spec = *find_option("check");
        if (auto applied = spec.apply(req.options, req.options.command[0]); !applied)
            return bad_value(fmt::format("sdshim check '{}'", req.options.command[0]), spec, applied.error());
        req.options.command.clear();
    }
    if (req.options.check || req.options.reload) {  // looks, or asks PID 1: runs nothing
        if (!req.options.command.empty())
            return Error{fmt::format("--{} runs no program: drop '{}'", req.options.check ? "check" : "reload",
                                     req.options.command[0])};
        return req;
    }
    if (req.options.command.empty() && !req.options.inspect)
        return Error{"missing PROGRAM to run: usage: sdshim [OPTIONS] [--] PROGRAM [ARGS...]"};
    return req;
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
    for (const auto& spec : option_table()) {
        out += fmt::format("  --{}{}{}\n", spec.name, spec.metavar.empty() ? "" : " ", spec.metavar);
        out += wrap(spec.help, 96, "      ");
        out += fmt::format("      env: {}{}\n", spec.env,
                           spec.repeatable ? " (comma-separated list)" : (spec.metavar.empty() ? "=1" : ""));
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
