// Server adapters: one record per server kind (nginx, caddy, generic) with all the shim knows of it,
// and the environment, socket flags and signal defaults made from it.
#include "adapters/adapters.hpp"

#include "adapters/server_messages.hpp"

#include <fmt/format.h>

#include <sys/socket.h>

#include <csignal>
#include <map>

namespace sdshim {
namespace {

std::string basename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<ServerKind> kind_of(const std::string& program) {
    std::string base = basename_of(program);
    if (base == "nginx-debug") return ServerKind::nginx;
    for (ServerKind kind : kServerKinds)
        if (kind != ServerKind::generic && base == adapter_for(kind).name) return kind;
    return std::nullopt;
}

std::size_t server_index(const std::vector<std::string>& argv);

// `nginx ARGS -t -q`: the same binary, -c and -g as the running master, errors only.
std::vector<std::string> nginx_config_test(const std::vector<std::string>& argv) {
    const std::size_t i = server_index(argv);
    std::vector<std::string> test{"nginx"};  // --server=nginx on a program of another name: the nginx in PATH
    if (i < argv.size()) test.assign(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
    test.push_back("-t");
    test.push_back("-q");
    return test;
}

ServerAdapter make_nginx() {
    ServerAdapter a;
    a.kind = ServerKind::nginx;
    a.name = "nginx";
    a.sends_ready = false;  // nginx never sends READY=1: its workers are watched
    a.default_pidfile = "/run/nginx.pid";
    a.reload_signal = SIGHUP;
    a.signal_defaults = {{SIGTERM, SIGQUIT}};  // QUIT is nginx's graceful stop
    a.refused_signals[SIGWINCH] =
        "with inherited sockets nginx counts as daemonized and WINCH would stop all its workers";
    a.refused_signals[SIGUSR2] =
        "nginx binary upgrade (USR2) is not supported under sdshim: the new master would outlive the old one "
        "as an orphan; restart the container instead";
    a.fd_variable = "NGINX";
    a.stream_sockets_only = true;
    a.accepts_on_every_socket = true;
    a.connections_countable = true;
    a.config_for = nginx_listen_for;
    a.config_test = nginx_config_test;
    a.config_error_mark = "[emerg]";
    return a;
}

ServerAdapter make_caddy() {
    ServerAdapter a;
    a.kind = ServerKind::caddy;
    a.name = "caddy";
    a.signal_defaults = {{SIGQUIT, SIGTERM}};  // QUIT makes caddy exit at once (exit code 2); TERM is graceful
    a.accepts_on_every_socket = true;
    a.connections_countable = true;
    a.certificate_event = caddy_certificate_event;  // its `log { output net unixgram/{$NOTIFY_SOCKET} }`
    return a;
}

bool is_wrapper(const std::string& program) {
    std::string base = basename_of(program);
    if (base.size() > 3 && base.compare(base.size() - 3, 3, ".sh") == 0) return true;
    return base == "env" || base == "sh" || base == "bash" || base == "dash" || base == "exec" || base == "tini" ||
           base == "dumb-init" || base == "catatonit";
}

// nginx and caddy accept on every stream socket they are handed: one that is connected (an
// Accept=yes unit's) or not listening makes their accept() fail with EINVAL, in a loop.
std::string refuse_unlistening(ServerKind kind, const std::vector<SocketInfo>& sockets) {
    for (const auto& s : sockets) {
        if (s.type != SOCK_STREAM || s.listening) continue;
        if (s.connected)
            return fmt::format(
                "fd {} '{}' ({}) is a connected stream socket, not a listening one: {} accepts its "
                "own connections, and its accept() would fail on it without end; the .socket unit "
                "has Accept=yes: set Accept=no",
                s.fd, s.name, s.address, server_name(kind));
        return fmt::format(
            "fd {} '{}' ({}) is a stream socket that is not listening: {} can only accept on "
            "listening sockets; pass the sockets of a .socket unit's ListenStream= (with Accept=no)",
            s.fd, s.name, s.address, server_name(kind));
    }
    return {};
}

// Where the server's program is in argv, past wrappers and their options; argv.size() if nowhere.
std::size_t server_index(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& arg = argv[i];
        if (i > 0 && (arg.empty() || arg[0] == '-' || arg.find('=') != std::string::npos)) continue;
        if (kind_of(arg)) return i;
        if (!is_wrapper(arg)) break;
    }
    return argv.size();
}

}  // namespace

ServerKind detect_server(const std::vector<std::string>& argv) {
    const std::size_t i = server_index(argv);
    return i < argv.size() ? *kind_of(argv[i]) : ServerKind::generic;
}

const ServerAdapter& adapter_for(ServerKind kind) {
    static const ServerAdapter generic, nginx = make_nginx(), caddy = make_caddy();
    switch (kind) {
        case ServerKind::nginx: return nginx;
        case ServerKind::caddy: return caddy;
        case ServerKind::generic: break;
    }
    return generic;
}

std::string server_name(ServerKind kind) { return adapter_for(kind).name; }

std::vector<std::string> config_test_for(ServerKind kind, const std::vector<std::string>& argv) {
    const auto test = adapter_for(kind).config_test;
    return test ? test(argv) : std::vector<std::string>{};
}

std::string nginx_value(const std::vector<SocketInfo>& sockets) {
    std::string value;
    for (const auto& s : sockets)
        if (s.type == SOCK_STREAM) value += fmt::to_string(s.fd) + ";";
    return value;
}

ServerKind choose_server(std::optional<ServerKind> asked, const std::vector<std::string>& argv) {
    return asked ? *asked : detect_server(argv);
}

std::string server_label(ServerKind kind, const std::vector<std::string>& argv) {
    if (kind != ServerKind::generic || argv.empty()) return server_name(kind);
    return basename_of(argv.front());
}

std::vector<std::string> fd_naming_variables() {
    std::vector<std::string> names;
    for (ServerKind kind : kServerKinds)
        if (*adapter_for(kind).fd_variable) names.emplace_back(adapter_for(kind).fd_variable);
    return names;
}

std::vector<SocketInfo> sockets_to_watch(ServerKind kind, const std::vector<SocketInfo>& sockets) {
    if (!adapter_for(kind).stream_sockets_only) return sockets;
    std::vector<SocketInfo> out;
    for (const auto& s : sockets)
        if (s.type == SOCK_STREAM) out.push_back(s);
    return out;
}

std::string fd_variable_name(const std::string& fd_name) {
    std::string out = "LISTEN_FD_";
    for (unsigned char c : fd_name) {
        if (c >= 'a' && c <= 'z')
            out += static_cast<char>(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            out += static_cast<char>(c);
        else
            out += '_';
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> fd_variables(const std::vector<SocketInfo>& sockets) {
    std::map<std::string, int> uses;
    for (const auto& s : sockets)
        if (!s.name.empty()) ++uses[fd_variable_name(s.name)];
    std::map<std::string, int> seen;
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : sockets) {
        if (s.name.empty()) continue;
        std::string var = fd_variable_name(s.name);
        int index = seen[var]++;
        if (index == 0) out.emplace_back(var, fmt::to_string(s.fd));
        if (uses[var] > 1) out.emplace_back(fmt::format("{}_{}", var, index), fmt::to_string(s.fd));
    }
    return out;
}

AdapterPlan plan_adapter(ServerKind kind, const std::vector<SocketInfo>& sockets) {
    const ServerAdapter& a = adapter_for(kind);
    AdapterPlan plan;
    plan.env = fd_variables(sockets);
    if (a.accepts_on_every_socket) plan.refusal = refuse_unlistening(kind, sockets);  // inetd-style servers may
    for (const auto& s : sockets) {
        if (!a.stream_sockets_only) break;
        if (s.type == SOCK_STREAM) {
            plan.set_nonblocking.push_back(s.fd);  // nginx never does it for inherited sockets
        } else {
            plan.warnings.push_back(fmt::format(
                "fd {} ('{}', {} {}) is a {} socket: {} can only take stream sockets through {}, so it is not "
                "passed in {}",
                s.fd, s.name, family_name(s.family), s.address, type_name(s.type), a.name, a.fd_variable,
                a.fd_variable));
        }
    }
    if (std::string value = nginx_value(sockets); *a.fd_variable && !value.empty())
        plan.env.emplace_back(a.fd_variable, value);
    plan.signal_defaults = a.signal_defaults;
    plan.refused_signals = a.refused_signals;
    return plan;
}

}  // namespace sdshim
