// Server adapters (nginx, caddy, generic): the environment, socket flags and signal defaults each server needs.
#include "adapters/adapters.hpp"

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
    if (base == "nginx" || base == "nginx-debug") return ServerKind::nginx;
    if (base == "caddy") return ServerKind::caddy;
    return std::nullopt;
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
            return fmt::format("fd {} '{}' ({}) is a connected stream socket, not a listening one: {} accepts its "
                               "own connections, and its accept() would fail on it without end; the .socket unit "
                               "has Accept=yes: set Accept=no",
                               s.fd, s.name, s.address, server_name(kind));
        return fmt::format("fd {} '{}' ({}) is a stream socket that is not listening: {} can only accept on "
                           "listening sockets; pass the sockets of a .socket unit's ListenStream= (with Accept=no)",
                           s.fd, s.name, s.address, server_name(kind));
    }
    return {};
}

}  // namespace

ServerKind detect_server(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& arg = argv[i];
        if (i > 0 && (arg.empty() || arg[0] == '-' || arg.find('=') != std::string::npos)) continue;
        if (auto kind = kind_of(arg)) return *kind;
        if (!is_wrapper(arg)) break;
    }
    return ServerKind::generic;
}

std::optional<int> reload_signal(ServerKind kind) {
    if (kind == ServerKind::nginx) return SIGHUP;
    return std::nullopt;
}

std::string server_name(ServerKind kind) {
    switch (kind) {
        case ServerKind::nginx: return "nginx";
        case ServerKind::caddy: return "caddy";
        case ServerKind::generic: break;
    }
    return "generic";
}

std::string nginx_value(const std::vector<SocketInfo>& sockets) {
    std::string value;
    for (const auto& s : sockets)
        if (s.type == SOCK_STREAM) value += std::to_string(s.fd) + ";";
    return value;
}

ServerKind choose_server(ServerChoice choice, const std::vector<std::string>& argv) {
    switch (choice) {
        case ServerChoice::nginx: return ServerKind::nginx;
        case ServerChoice::caddy: return ServerKind::caddy;
        case ServerChoice::generic: return ServerKind::generic;
        case ServerChoice::automatic: break;
    }
    return detect_server(argv);
}

std::string server_label(ServerKind kind, const std::vector<std::string>& argv) {
    if (kind != ServerKind::generic || argv.empty()) return server_name(kind);
    return basename_of(argv.front());
}

std::vector<std::string> fd_naming_variables() { return {"NGINX"}; }

std::string fd_variable_name(const std::string& fd_name) {
    std::string out = "LISTEN_FD_";
    for (unsigned char c : fd_name) {
        if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out += static_cast<char>(c);
        else out += '_';
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
        if (index == 0) out.emplace_back(var, std::to_string(s.fd));
        if (uses[var] > 1) out.emplace_back(fmt::format("{}_{}", var, index), std::to_string(s.fd));
    }
    return out;
}

AdapterPlan plan_adapter(ServerKind kind, const std::vector<SocketInfo>& sockets) {
    AdapterPlan plan;
    plan.env = fd_variables(sockets);
    if (kind != ServerKind::generic) plan.refusal = refuse_unlistening(kind, sockets);  // inetd-style servers may
    switch (kind) {
        case ServerKind::nginx: {
            for (const auto& s : sockets) {
                if (s.type == SOCK_STREAM) {
                    plan.set_nonblocking.push_back(s.fd);  // nginx never does it for inherited sockets
                } else {
                    plan.warnings.push_back(fmt::format(
                        "fd {} ('{}', {} {}) is a {} socket: nginx can only take stream sockets through NGINX, so it "
                        "is not passed in NGINX",
                        s.fd, s.name, family_name(s.family), s.address, type_name(s.type)));
                }
            }
            std::string value = nginx_value(sockets);
            if (!value.empty()) plan.env.emplace_back("NGINX", value);
            plan.signal_defaults.push_back({SIGTERM, SIGQUIT});  // QUIT is nginx's graceful stop
            plan.refused_signals[SIGWINCH] =
                "with inherited sockets nginx counts as daemonized and WINCH would stop all its workers";
            plan.refused_signals[SIGUSR2] =
                "nginx binary upgrade (USR2) is not supported under sdshim: the new master would outlive the old one "
                "as an orphan; restart the container instead";
            break;
        }
        case ServerKind::caddy:
            // QUIT makes caddy exit at once (exit code 2); TERM is its graceful stop.
            plan.signal_defaults.push_back({SIGQUIT, SIGTERM});
            break;
        case ServerKind::generic:
            break;
    }
    return plan;
}

}  // namespace sdshim
