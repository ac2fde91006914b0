// Unit tests: command line and SDSHIM_* environment parsing.
#include "base/build_info.hpp"
#include "config/cli.hpp"
#include "config/man_page.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <map>

using namespace sdshim;

namespace {

struct Env {
    std::map<std::string, std::string> vars;
    EnvLookup lookup() const {
        return [this](const char* name) -> const char* {
            auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

Result<CliRequest> parse(std::vector<std::string> args, const Env& env = {}) {
    args.insert(args.begin(), "sdshim");
    return parse_cli(args, env.lookup());
}

Options ok(const Result<CliRequest>& r) {
    if (!r) FAIL("unexpected error: " << r.message());
    return r.value().options;
}

std::string err(const Result<CliRequest>& r) {
    REQUIRE(!r.ok());
    return r.message();
}

}  // namespace

TEST_CASE("options stop at the first non-option: no argv permutation") {
    auto r = parse({"echo", "-v", "--grace", "1s"});
    const auto o = ok(r);
    REQUIRE(o.command == std::vector<std::string>{"echo", "-v", "--grace", "1s"});
    CHECK(o.grace == Millis(8000));
}

TEST_CASE("a double dash ends the options even before something that looks like one") {
    const auto o = ok(parse({"--grace=3s", "--", "--weird-program", "x"}));
    CHECK(o.grace == Millis(3000));
    CHECK(o.command == std::vector<std::string>{"--weird-program", "x"});
}

TEST_CASE("defaults") {
    const auto o = ok(parse({"nginx"}));
    CHECK(o.grace == Millis(8000));
    CHECK(o.exit_grace == Millis(2000));
    CHECK(o.log_level == "info");
    CHECK(o.log_format == LogFormat::text);
    CHECK(o.forward_to == ForwardTo::child);
    CHECK(o.signal_map.rules().empty());
    CHECK(o.success_exit.empty());
}

TEST_CASE("values as --opt VALUE and --opt=VALUE") {
    const auto o = ok(parse({"--grace", "500ms", "--exit-grace=1.5s", "--log-level", "debug", "--log-format=json",
                             "--forward-to", "group", "--success-exit", "143", "--success-exit=130", "x"}));
    CHECK(o.grace == Millis(500));
    CHECK(o.exit_grace == Millis(1500));
    CHECK(o.log_level == "debug");
    CHECK(o.log_format == LogFormat::json);
    CHECK(o.forward_to == ForwardTo::group);
    CHECK(o.success_exit == std::vector<int>{143, 130});
}

TEST_CASE("map-signal is repeatable and a later rule for the same signal wins") {
    const auto o = ok(parse({"--map-signal", "TERM:QUIT", "--map-signal", "SIGHUP:0", "--map-signal", "15:USR1", "x"}));
    CHECK(o.signal_map.apply(SIGTERM) == SIGUSR1);
    CHECK(o.signal_map.apply(SIGHUP) == 0);
    CHECK(o.signal_map.apply(SIGINT) == SIGINT);
}

TEST_CASE("every option has an SDSHIM_ variable and the command line wins") {
    Env env{{{"SDSHIM_GRACE", "3s"},
             {"SDSHIM_EXIT_GRACE", "250ms"},
             {"SDSHIM_LOG_LEVEL", "warn"},
             {"SDSHIM_LOG_FORMAT", "json"},
             {"SDSHIM_FORWARD_TO", "group"},
             {"SDSHIM_MAP_SIGNAL", "TERM:QUIT, HUP:0"},
             {"SDSHIM_SUCCESS_EXIT", "143,137"}}};
    const auto from_env = ok(parse({"x"}, env));
    CHECK(from_env.grace == Millis(3000));
    CHECK(from_env.exit_grace == Millis(250));
    CHECK(from_env.log_level == "warn");
    CHECK(from_env.log_format == LogFormat::json);
    CHECK(from_env.forward_to == ForwardTo::group);
    CHECK(from_env.signal_map.apply(SIGTERM) == SIGQUIT);
    CHECK(from_env.signal_map.apply(SIGHUP) == 0);
    CHECK(from_env.success_exit == std::vector<int>{143, 137});

    auto r = parse({"--grace", "1s", "--map-signal", "TERM:INT", "x"}, env);
    const auto both = ok(r);
    CHECK(both.grace == Millis(1000));
    CHECK(both.signal_map.apply(SIGTERM) == SIGINT);
}

TEST_CASE("help and version") {
    auto h = parse({"--help"});
    REQUIRE(h.ok());
    CHECK(h.value().action == CliAction::help);
    auto v = parse({"-V"});
    CHECK(v.value().action == CliAction::version);
    CHECK(help_text().find("SDSHIM_MAP_SIGNAL") != std::string::npos);
    CHECK(version_text().rfind("sdshim ", 0) == 0);
}

TEST_CASE("the version text names the version, the commit, the architecture and the linkage") {
    const std::string v = version_text();
    CHECK(v.rfind(std::string("sdshim ") + SDSHIM_VERSION + " (commit ", 0) == 0);
#if defined(__x86_64__)
    CHECK(v.find(", x86_64, ") != std::string::npos);
#elif defined(__aarch64__)
    CHECK(v.find(", aarch64, ") != std::string::npos);
#endif
    CHECK(v.find(running_static() ? ", static)\n" : ", dynamic)\n") != std::string::npos);
}

TEST_CASE("the help text and the man page are made from one option table") {
    const std::string help = help_text();
    const std::string man = man_page("9.8.7", "2026-11-30");
    CHECK(man.rfind(".TH SDSHIM 1 \"2026-11-30\" \"sdshim 9.8.7\"", 0) == 0);
    const auto& docs = option_table();
    CHECK(docs.size() >= 18);
    auto roff_dashes = [](std::string s) {
        std::string out;
        for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
        return out;
    };
    for (const auto& o : docs) {
        INFO(o.name);
        CHECK(help.find(std::string("  --") + o.name) != std::string::npos);
        CHECK(help.find(o.env) != std::string::npos);
        CHECK(man.find(".BR \\-\\-" + roff_dashes(o.name)) != std::string::npos);
        CHECK(man.find(std::string("\\fB") + roff_dashes(o.env) + "\\fR") != std::string::npos);
    }
    // --help shows every value the parser takes, and the default each option has in Options{}.
    for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        INFO(level);
        CHECK(help.find(level) != std::string::npos);
        CHECK(ok(parse({"--log-level", level, "x"})).log_level == level);
    }
    CHECK(help.find("--log-level trace|debug|info|warn|error|critical|off") != std::string::npos);
    CHECK(help.find("warning is warn") != std::string::npos);
    CHECK(ok(parse({"--log-level", "warning", "x"})).log_level == "warn");
    CHECK(help.find("--bridge-proxy-protocol v1|v2|none") != std::string::npos);
    CHECK(ok(parse({"--bridge-proxy-protocol", "2", "x"})).bridge_proxy == ProxyProtocol::v2);
    CHECK(help.find("--server auto|nginx|caddy|generic") != std::string::npos);
    for (const auto& o : docs) {
        if (std::string_view(o.name) == "grace") CHECK(o.help.find("(default 8s)") != std::string::npos);
        if (std::string_view(o.name) == "exit-grace") CHECK(o.help.find("(default 2s)") != std::string::npos);
        if (std::string_view(o.name) == "ready-timeout") CHECK(o.help.find("(default 60s)") != std::string::npos);
        if (std::string_view(o.name) == "bridge-connect-timeout")
            CHECK(o.help.find("(default 10s)") != std::string::npos);
        if (std::string_view(o.name) == "log-level") CHECK(o.help.find("(default info)") != std::string::npos);
        if (std::string_view(o.name) == "forward-to") CHECK(o.help.find("(default child)") != std::string::npos);
        if (std::string_view(o.name) == "notify-access") CHECK(o.help.find("(default all)") != std::string::npos);
        if (std::string_view(o.name) == "server") CHECK(o.help.find("(default auto)") != std::string::npos);
        if (std::string_view(o.name) == "bridge-proxy-protocol")
            CHECK(o.help.find("(default none)") != std::string::npos);
    }
    CHECK(man.find(".SH EXIT STATUS\nThe main child's exit code") != std::string::npos);
    // No line of the page starts with a character roff would take as a request by mistake.
    std::size_t at = 0;
    while ((at = man.find("\n'", at)) != std::string::npos) FAIL("a line starts with ': " << man.substr(at, 40));
}

TEST_CASE("wrap keeps words whole and lines within the width") {
    CHECK(wrap("aa bb cc", 5, "") == "aa bb\ncc\n");
    CHECK(wrap("aa bb", 6, "  ") == "  aa\n  bb\n");
    CHECK(wrap("averyveryverylongword x", 5, "") == "averyveryverylongword\nx\n");
    CHECK(wrap("", 5, "") == "");
}

TEST_CASE("bad input gets one line naming the option and the value and what was expected") {
    CHECK(err(parse({"--frobnicate", "x"})) == "unknown option '--frobnicate' (see sdshim --help)");
    CHECK(err(parse({"-x", "prog"})) == "unknown option '-x' (see sdshim --help)");
    CHECK(err(parse({})).find("missing PROGRAM") != std::string::npos);
    CHECK(err(parse({"--grace=1s"})).find("missing PROGRAM") != std::string::npos);
    CHECK(err(parse({"--grace"})) == "option '--grace' needs a value: DURATION");
    CHECK(err(parse({"--grace", "-1", "x"})) ==
          "--grace '-1': expected a non-negative duration such as 8s, 500ms or 1m (it does not start with a number)");
    CHECK(err(parse({"--grace", "5h", "x"})) ==
          "--grace '5h': expected a non-negative duration such as 8s, 500ms or 1m ('h' is not a unit: ms, s or m)");
    CHECK(err(parse({"--grace", "5 s", "x"})).find("--grace '5 s'") == 0);
    CHECK(err(parse({"--map-signal", "TERM", "x"})).find("expected FROM:TO") != std::string::npos);
    CHECK(err(parse({"--map-signal", "TERM:BOGUS", "x"})).find("unknown signal 'BOGUS'") != std::string::npos);
    CHECK(err(parse({"--map-signal", "NOPE:TERM", "x"})).find("unknown signal 'NOPE'") != std::string::npos);
    CHECK(err(parse({"--map-signal", "KILL:TERM", "x"})).find("cannot be caught") != std::string::npos);
    CHECK(err(parse({"--map-signal", "CHLD:TERM", "x"})).find("SIGCHLD") != std::string::npos);
    CHECK(err(parse({"--log-level", "loud", "x"})).find("one of trace") != std::string::npos);
    CHECK(err(parse({"--log-format", "xml", "x"})).find("text or json") != std::string::npos);
    CHECK(err(parse({"--forward-to", "all", "x"})).find("child or group") != std::string::npos);
    CHECK(err(parse({"--success-exit", "256", "x"})).find("0 to 255") != std::string::npos);
    CHECK(err(parse({"x"}, Env{{{"SDSHIM_GRACE", "soon"}}})) ==
          "SDSHIM_GRACE='soon': expected a non-negative duration such as 8s, 500ms or 1m (it does not start with a "
          "number)");
    CHECK(err(parse({"--ready", "pidfile:run/x.pid", "x"})) ==
          "--ready 'pidfile:run/x.pid': expected auto, notify, listen, target, exec, pidfile, pidfile:/ABSOLUTE/PATH, "
          "cmd:COMMAND, http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH (the pid file's path must be absolute)");
    CHECK(err(parse({"x"}, Env{{{"SDSHIM_MAP_SIGNAL", "TERM:QUIT,HUP"}}})).find("SDSHIM_MAP_SIGNAL='TERM:QUIT,HUP'") ==
          0);
    CHECK(err(parse({"--exit-idle", "500ms", "x"})) ==
          "--exit-idle '500ms': expected a duration from 1s to 86400s such as 30s or 1m, or 0 for off");
    CHECK(err(parse({"x"}, Env{{{"SDSHIM_EXIT_IDLE", "2000m"}}}))
              .find("SDSHIM_EXIT_IDLE='2000m': expected a duration from 1s") == 0);
    CHECK(ok(parse({"--exit-idle", "5m", "x"})).exit_idle == std::chrono::minutes(5));
    CHECK(ok(parse({"x"}, Env{{{"SDSHIM_EXIT_IDLE", "0"}}})).exit_idle.count() == 0);
}

TEST_CASE("server adapter choice and inspect") {
    CHECK(ok(parse({"--server", "nginx", "x"})).server == ServerKind::nginx);
    CHECK(ok(parse({"x"}, Env{{{"SDSHIM_SERVER", "caddy"}}})).server == ServerKind::caddy);
    CHECK_FALSE(ok(parse({"--server", "auto", "x"})).server);
    CHECK(err(parse({"--server", "apache", "x"})).find("auto, nginx, caddy or generic") != std::string::npos);
    auto sub = ok(parse({"inspect", "--json"}));
    CHECK(sub.inspect);
    CHECK(sub.inspect_json);
    CHECK(sub.command.empty());
    auto flag = ok(parse({"--inspect", "nginx", "-g", "daemon off;"}));
    CHECK(flag.inspect);
    CHECK(flag.command.size() == 3);
    CHECK(ok(parse({"x"}, Env{{{"SDSHIM_INSPECT", "1"}}})).inspect);
    CHECK(err(parse({"--inspect=yes", "x"})) == "option '--inspect' takes no value");
    CHECK(ok(parse({"--", "inspect"})).command == std::vector<std::string>{"inspect"});
}
