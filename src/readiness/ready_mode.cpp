// --ready: how the shim decides that the server serves, parsed from "auto", "listen", "http://…", "cmd:COMMAND", ...
#include "readiness/ready_mode.hpp"

#include "health/health_target.hpp"

namespace sdshim {

std::optional<std::string_view> command_of(std::string_view text) {
    if (!text.starts_with("cmd:")) return std::nullopt;
    text.remove_prefix(4);
    if (text.find_first_not_of(" \t") == std::string_view::npos) return std::nullopt;
    return text;
}

Result<ReadyMode> parse_ready_mode(std::string_view text) {
    if (text == "auto") return ReadyMode{ReadyKind::automatic, {}};
    if (text == "notify") return ReadyMode{ReadyKind::notify, {}};
    if (text == "listen") return ReadyMode{ReadyKind::listen, {}};
    if (text == "target") return ReadyMode{ReadyKind::target, {}};
    if (text == "exec") return ReadyMode{ReadyKind::exec, {}};
    if (text == "pidfile") return ReadyMode{ReadyKind::pidfile, {}};
    if (text.substr(0, 8) == "pidfile:") {
        std::string_view path = text.substr(8);
        if (path.empty() || path[0] != '/') return Error{"the pid file's path must be absolute"};
        return ReadyMode{ReadyKind::pidfile, std::string(path)};
    }
    if (text.starts_with("cmd:")) {
        auto command = command_of(text);
        if (!command) return Error{"the command is empty"};
        return ReadyMode{ReadyKind::command, std::string(*command)};
    }
    if (text.starts_with("http://") || text.starts_with("https://") || text.starts_with("tcp:") ||
        text.starts_with("unix:")) {
        auto target = parse_health_target(text);
        if (!target) return target.error();
        return ReadyMode{ReadyKind::health, std::string(text), std::move(*target)};
    }
    return Error{"unknown mode"};
}

std::string ready_mode_name(const ReadyMode& mode) {
    switch (mode.kind) {
        case ReadyKind::automatic: return "auto";
        case ReadyKind::notify: return "notify";
        case ReadyKind::listen: return "listen";
        case ReadyKind::target: return "target";
        case ReadyKind::exec: return "exec";
        case ReadyKind::pidfile: return mode.argument.empty() ? "pidfile" : "pidfile:" + mode.argument;
        case ReadyKind::command: return "cmd:" + mode.argument;
        case ReadyKind::health: return mode.argument;
    }
    return "auto";
}

}  // namespace sdshim
