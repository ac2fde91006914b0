// Server adapters: one record per server kind (nginx, caddy, generic) with all the shim knows of it,
// and the environment, socket flags and signal defaults made from it.
#pragma once

#include "activation/activation.hpp"
#include "adapters/server_kind.hpp"
#include "adapters/server_log.hpp"
#include "core/signal_map.hpp"
#include "launch/child_env.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sdshim {

// Everything server-specific, in one place: nothing outside adapters/ tests a server's name.
struct ServerAdapter {
    ServerKind kind = ServerKind::generic;
    const char* name = "generic";
    bool sends_ready = true;           // speaks sd_notify: --ready=auto is notify, else listen
    const char* default_pidfile = "";  // --ready=pidfile without a path
    // After this signal the server replaces its workers, which readiness then watches (RELOADING=1,
    // then READY=1 once the new ones serve).
    std::optional<int> reload_signal;
    std::vector<SignalRule> signal_defaults;     // its graceful stop; added unless the user mapped the signal
    std::map<int, std::string> refused_signals;  // signal -> why it is not forwarded
    const char* fd_variable = "";                // names its inherited stream sockets by number: "NGINX"
    bool stream_sockets_only = false;            // takes (and so is watched on) stream sockets only
    bool accepts_on_every_socket = false;        // a connected or non-listening stream socket breaks it
    // Its client connections are the TCP connections of the inherited listeners that its processes
    // hold (--exit-idle can count them); a generic server may hand them on or keep them elsewhere.
    bool connections_countable = false;
    // Its configuration line that uses an inherited socket ("listen 0.0.0.0:8080;"), for the fix in
    // messages; null when the server has none to name.
    std::string (*config_for)(const SocketInfo&) = nullptr;
    // Its configuration test, made from the server's own command line (its program and arguments,
    // past any wrapper): run before each reload signal; empty when it has none (caddy's admin API
    // validates a new config itself).
    std::vector<std::string> (*config_test)(const std::vector<std::string>& argv) = nullptr;
    const char* config_error_mark = "";  // the test's line that says what is wrong holds it ("[emerg]")
    // Reads its JSON log entries that reach the notify socket (a datagram that starts with '{'): null
    // when it sends none.
    std::optional<CertificateEvent> (*certificate_event)(std::string_view entry) = nullptr;
};

const ServerAdapter& adapter_for(ServerKind kind);

// --server=auto: the program's basename, also through a wrapper such as
// `/docker-entrypoint.sh nginx -g 'daemon off;'` or `env caddy run`.
ServerKind detect_server(const std::vector<std::string>& argv);
std::string server_name(ServerKind kind);
// The server's configuration test for --reload-check=auto: the adapter's, or empty.
std::vector<std::string> config_test_for(ServerKind kind, const std::vector<std::string>& argv);
// --server: the kind asked for, or detect_server's answer for auto (nullopt).
ServerKind choose_server(std::optional<ServerKind> asked, const std::vector<std::string>& argv);
// What log and STATUS lines call the server: "nginx" for the adapters, else the program's base name.
std::string server_label(ServerKind kind, const std::vector<std::string>& argv);

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

// The inherited sockets the server takes, and so must keep polling: the stream ones for nginx.
std::vector<SocketInfo> sockets_to_watch(ServerKind kind, const std::vector<SocketInfo>& sockets);

}  // namespace sdshim
