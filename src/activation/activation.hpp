// Socket-activation intake: LISTEN_* parsed and every passed fd validated, as sd_listen_fds_with_names() would.
#pragma once

#include "base/result.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sdshim {

inline constexpr int kListenFdsStart = 3;

struct ListenEnv {  // raw values, nullptr when unset
    const char* pid = nullptr;
    const char* fds = nullptr;
    const char* fdnames = nullptr;
};

struct ActivationPlan {
    int count = 0;                   // sockets at fds 3..3+count-1
    std::vector<std::string> names;  // exactly `count` names (padded with "unknown" or cut)
    bool present = false;            // LISTEN_FDS was set at all
    bool ignored = false;            // LISTEN_* meant for another process: pass nothing on
    std::vector<std::string> warnings;
    std::vector<std::string> debug;
};

// The error is one line naming the variable, its value and what was expected.
Result<ActivationPlan> parse_listen_env(const ListenEnv& env, pid_t self, pid_t parent);
// systemd's rule: printable ASCII except ':', at most 255 characters (empty is allowed).
bool fdname_is_valid(const std::string& name);

struct SocketInfo {
    int fd = -1;
    std::string name;
    int family = 0;
    int type = 0;
    int protocol = 0;
    bool listening = false;
    bool connected = false;  // has a peer: one connection, as an Accept=yes unit passes
    std::string address;     // "0.0.0.0:8080", "[::]:80", "/run/app.sock", "@abstract", "(unnamed)"
    unsigned port = 0;       // of an IPv4 or IPv6 socket
    unsigned long inode = 0;
};

// Checks that each of fds 3..3+count-1 is open and a socket, and describes it. Never reads from it;
// marks the shim's own descriptor close-on-exec (what the server gets is passed on on purpose).
Result<std::vector<SocketInfo>> inspect_sockets(const ActivationPlan& plan);

// "fd 3 'http' (0.0.0.0:8080)"
std::string describe_socket(const SocketInfo& socket);
// "fd 3 'http' (0.0.0.0:80), fd 4 'https' ([::]:443)"
std::string describe_sockets(const std::vector<SocketInfo>& sockets);

std::string family_name(int family);
std::string type_name(int type);
std::string protocol_name(int family, int type, int protocol);

}  // namespace sdshim
