// --ready: how the shim decides that the server serves, parsed from "auto", "listen", "http://…", "cmd:COMMAND", ...
#pragma once

#include "base/result.hpp"
#include "health/health_target.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

enum class ReadyKind { automatic, notify, listen, target, pidfile, exec, command, health };

struct ReadyMode {
    ReadyKind kind = ReadyKind::automatic;
    std::string argument;  // pidfile path (may be empty: the server's default), the command, or the health target
    std::optional<HealthTarget> health = {};  // ReadyKind::health: the target, parsed once here
};

// "cmd:COMMAND" with a command that is not blank: the command (--ready and --reload-check take it); else none.
std::optional<std::string_view> command_of(std::string_view text);

// The error says what is wrong with a pidfile:, cmd:, http:// or tcp: value, or that the mode is unknown.
Result<ReadyMode> parse_ready_mode(std::string_view text);
std::string ready_mode_name(const ReadyMode& mode);
// Behind a bridge with --ready=target or http://, tcp:, clients wait in the backlog until the server
// serves: accepted earlier, their connections would be refused by the target.
inline bool holds_clients_until_ready(const ReadyMode& mode) {
    return mode.kind == ReadyKind::target || mode.kind == ReadyKind::health;
}  // "listen", "pidfile:/run/nginx.pid", ...

}  // namespace sdshim
