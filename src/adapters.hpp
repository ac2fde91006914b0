// Server adapters (nginx, caddy, generic): the environment, socket flags and signal defaults each server needs.
#pragma once

#include "activation.hpp"
#include "child_env.hpp"
#include "signal_map.hpp"

#include <map>
#include <string>
#include <vector>

namespace sdshim {

enum class ServerKind { generic, nginx, caddy };

// --server=auto: the program's basename, also through a wrapper such as
// `/docker-entrypoint.sh nginx -g 'daemon off;'` or `env caddy run`.
ServerKind detect_server(const std::vector<std::string>& argv);
std::string server_name(ServerKind kind);

struct AdapterPlan {
    std::vector<std::pair<std::string, std::string>> env;  // variables the server gets
    std::vector<int> set_nonblocking;                      // fds to switch to O_NONBLOCK before launch
    std::map<int, std::string> refused_signals;            // signal -> why it is not forwarded
    std::vector<SignalRule> signal_defaults;               // added unless the user mapped the signal
    std::vector<std::string> warnings;
};

AdapterPlan plan_adapter(ServerKind kind, const std::vector<SocketInfo>& sockets);

// "3;4;" for the stream sockets nginx can take (every number followed by ';').
std::string nginx_value(const std::vector<SocketInfo>& sockets);
// LISTEN_FD_<NAME>: the name upper-cased, every other character than A-Z and 0-9 turned into '_'.
std::string fd_variable_name(const std::string& fd_name);
// One variable per name; a name that several fds share gets _0, _1, ... and the bare name for the first.
std::vector<std::pair<std::string, std::string>> fd_variables(const std::vector<SocketInfo>& sockets);

}  // namespace sdshim
