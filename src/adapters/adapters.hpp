// Server adapters (nginx, caddy, generic): the environment, socket flags and signal defaults each server needs.
#pragma once

#include "activation/activation.hpp"
#include "core/signal_map.hpp"
#include "launch/child_env.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdshim {

enum class ServerKind { generic, nginx, caddy };
// --server: a kind, or automatic (detect_server).
enum class ServerChoice { automatic, nginx, caddy, generic };

// --server=auto: the program's basename, also through a wrapper such as
// `/docker-entrypoint.sh nginx -g 'daemon off;'` or `env caddy run`.
ServerKind detect_server(const std::vector<std::string>& argv);
std::string server_name(ServerKind kind);
// --server: the kind asked for, or detect_server's answer for automatic.
ServerKind choose_server(ServerChoice choice, const std::vector<std::string>& argv);
// What log and STATUS lines call the server: "nginx" for the adapters, else the program's base name.
std::string server_label(ServerKind kind, const std::vector<std::string>& argv);
// The signal after which the server replaces its workers, which the shim then watches (readiness:
// RELOADING=1, then READY=1 once the new ones serve): SIGHUP for nginx; none for the others.
std::optional<int> reload_signal(ServerKind kind);

struct AdapterPlan {
    std::vector<std::pair<std::string, std::string>> env;  // variables the server gets
    std::vector<int> set_nonblocking;                      // fds to switch to O_NONBLOCK before launch
    std::map<int, std::string> refused_signals;            // signal -> why it is not forwarded
    std::vector<SignalRule> signal_defaults;               // added unless the user mapped the signal
    std::vector<std::string> warnings;
    std::string refusal;  // set when the server cannot take these sockets at all: one line with the fix
};

AdapterPlan plan_adapter(ServerKind kind, const std::vector<SocketInfo>& sockets);

// "3;4;" for the stream sockets nginx can take (every number followed by ';').
std::string nginx_value(const std::vector<SocketInfo>& sockets);
// The adapters' variables that name inherited fds by number (NGINX), whoever set them.
std::vector<std::string> fd_naming_variables();

// LISTEN_FD_<NAME>: the name upper-cased, every other character than A-Z and 0-9 turned into '_'.
std::string fd_variable_name(const std::string& fd_name);
// One variable per name; a name that several fds share gets _0, _1, ... and the bare name for the first.
std::vector<std::pair<std::string, std::string>> fd_variables(const std::vector<SocketInfo>& sockets);

}  // namespace sdshim
