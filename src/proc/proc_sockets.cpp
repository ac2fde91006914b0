// What /proc says about the server's processes: which socket inodes each holds and which its epoll sets watch.
#include "proc/proc_sockets.hpp"

#include "base/parse_number.hpp"
#include "base/proc_text.hpp"
#include "base/unique_fd.hpp"
#include "proc/process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

namespace sdshim {
namespace {

// Real, effective and saved ids all the same: the kernel's condition for reading by fs id alone.
bool single_identity(std::string_view status, const char* label, unsigned& id) {
    auto at = status.find(label);
    if (at == std::string_view::npos) return false;
    FieldReader fields(status.substr(at + std::strlen(label)));
    auto r = fields.number<unsigned>(), e = fields.number<unsigned>(), s = fields.number<unsigned>();
    if (!r || !e || !s) return false;
    id = *e;
    return *r == *e && *e == *s;
}

// Switches the fs uid/gid (thread-wide; the shim has one thread) and restores them on scope exit.
class FsIdentity {
  public:
    FsIdentity(uid_t uid, gid_t gid) {
        old_gid_ = static_cast<gid_t>(::setfsgid(gid));
        old_uid_ = static_cast<uid_t>(::setfsuid(uid));
    }
    ~FsIdentity() {
        ::setfsuid(old_uid_);
        ::setfsgid(old_gid_);
    }
    FsIdentity(const FsIdentity&) = delete;
    FsIdentity& operator=(const FsIdentity&) = delete;

  private:
    uid_t old_uid_;
    gid_t old_gid_;
};

// Whether /proc/<pid>/status allows reading the fd table by switching the fs ids (see FsIdentity).
struct Reader {
    bool switch_ids = false;
    unsigned uid = 0, gid = 0;
};
Reader reader_for(std::string_view status) {
    Reader r;
    r.switch_ids = ::geteuid() == 0 && single_identity(status, "\nUid:", r.uid) &&
                   single_identity(status, "\nGid:", r.gid) && r.uid != 0;
    return r;
}

template <typename Fn>
auto as_reader(const Reader& r, Fn fn) {
    if (!r.switch_ids) return fn();
    FsIdentity as_target(static_cast<uid_t>(r.uid), static_cast<gid_t>(r.gid));
    return fn();
}

// Calls `fn(name, target)` for each fd of `pid` with the link's target ("socket:[123]",
// "anon_inode:[eventpoll]"), until it returns false. Returns 0, or the errno of opening the table.
template <typename Fn>
int for_each_fd_link(pid_t pid, Fn fn) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR* dir = ::opendir(path);
    if (!dir) return errno;
    while (dirent* ent = ::readdir(dir)) {
        if (ent->d_name[0] == '.') continue;
        char target[128];
        const ssize_t n = ::readlinkat(::dirfd(dir), ent->d_name, target, sizeof target - 1);
        if (n > 0 && !fn(ent->d_name, std::string_view(target, static_cast<std::size_t>(n)))) break;
    }
    ::closedir(dir);
    return 0;
}

void read_fds(pid_t pid, ProcessSockets& out) {
    UniqueFd info_dir;
    const int err = for_each_fd_link(pid, [&](const char* name, std::string_view target) {
        if (unsigned long ino = parse_socket_link(target)) {
            out.held.insert(ino);
        } else if (target == "anon_inode:[eventpoll]") {
            if (!info_dir) {
                char path[64];
                std::snprintf(path, sizeof path, "/proc/%d/fdinfo", pid);
                info_dir.reset(::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            }
            for (unsigned long ino : parse_epoll_targets(read_small_file(name, info_dir.get()))) out.polled.insert(ino);
        }
        return true;
    });
    out.readable = err == 0;
}

}  // namespace

std::vector<unsigned long> parse_epoll_targets(std::string_view fdinfo) {
    std::vector<unsigned long> out;
    std::size_t pos = 0;
    while ((pos = fdinfo.find("tfd:", pos)) != std::string_view::npos) {
        std::size_t eol = fdinfo.find('\n', pos);
        std::string_view line = fdinfo.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        pos = eol == std::string_view::npos ? fdinfo.size() : eol;
        auto ino = line.find(" ino:");
        if (ino == std::string_view::npos) continue;
        std::string_view hex = line.substr(ino + 5);
        unsigned long value = 0;
        auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
        if (ec == std::errc{} && ptr != hex.data()) out.push_back(value);
    }
    return out;
}

unsigned long parse_socket_link(std::string_view target) {
    constexpr std::string_view prefix = "socket:[";
    if (target.substr(0, prefix.size()) != prefix || target.empty() || target.back() != ']') return 0;
    return parse_whole_number<unsigned long>(target.substr(prefix.size(), target.size() - prefix.size() - 1))
        .value_or(0);
}

namespace {
// Calls `row` with each line of a /proc/net table after its header; collects the inodes it returns (0 = none).
template <typename Row>
std::set<unsigned long> inodes_of_rows(std::string_view table, Row row) {
    std::set<unsigned long> out;
    for_each_row(table, [&](std::string_view line) {
        if (unsigned long inode = row(FieldReader(line))) out.insert(inode);
    });
    return out;
}
}  // namespace

std::set<unsigned long> parse_listening_inet(std::string_view table) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    return inodes_of_rows(table, [](FieldReader row) -> unsigned long {
        if (!row.skip(3)) return 0;  // sl, local_address, rem_address
        auto st = row.number<unsigned>(16);
        if (!st || *st != 0x0A || !row.skip(4)) return 0;  // tx:rx, tr:tm, retrnsmt, uid
        if (!row.skip(1)) return 0;                        // timeout
        return row.number<unsigned long>().value_or(0);
    });
}

std::set<unsigned long> parse_listening_unix(std::string_view table) {
    // "Num       RefCount Protocol Flags    Type St Inode Path"; flag 0x10000 is __SO_ACCEPTCON
    return inodes_of_rows(table, [](FieldReader row) -> unsigned long {
        if (!row.skip(3)) return 0;  // Num, RefCount, Protocol
        auto flags = row.number<unsigned long>(16);
        if (!flags || (*flags & 0x10000) == 0 || !row.skip(2)) return 0;  // Type, St
        return row.number<unsigned long>().value_or(0);
    });
}

std::set<unsigned long> listening_sockets_here() {
    std::set<unsigned long> out = parse_listening_inet(read_small_file("/proc/net/tcp"));
    out.merge(parse_listening_inet(read_small_file("/proc/net/tcp6")));
    out.merge(parse_listening_unix(read_small_file("/proc/net/unix")));
    return out;
}

bool stat_says_exiting(std::string_view stat) {
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos) return true;  // gone, or unreadable: nothing to judge by
    FieldReader fields(stat.substr(close + 1));
    const auto state = fields.next();
    if (!state || *state == "Z" || *state == "X") return true;
    if (!fields.skip(5)) return true;          // ppid, pgrp, session, tty_nr, tpgid
    constexpr unsigned long kPfExiting = 0x4;  // PF_EXITING, include/linux/sched.h
    const auto flags = fields.number<unsigned long>();
    return !flags || (*flags & kPfExiting) != 0;
}

ProcessSockets read_process_sockets(pid_t pid, pid_t ppid) {
    ProcessSockets out;
    out.pid = pid;
    out.ppid = ppid;
    char status_path[64], stat_path[64];
    std::snprintf(status_path, sizeof status_path, "/proc/%d/status", pid);
    std::snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", pid);
    const std::string status = read_small_file(status_path);
    if (auto at = status.find("\nState:\t"); at != std::string::npos && at + 8 < status.size())
        out.stopped = status[at + 8] == 'T' || status[at + 8] == 't';
    as_reader(reader_for(status), [&] { read_fds(pid, out); });
    // An exiting process closes its fds before it becomes a zombie, and its SIGCHLD is on its way:
    // its fd table must not read as "closed every inherited socket". The kernel sets PF_EXITING
    // before it closes them and never clears it, so one look after the table was read tells
    // whether any of it could have been closed by the exit.
    if (stat_says_exiting(read_small_file(stat_path))) {
        ProcessSockets gone;
        gone.pid = pid;
        gone.ppid = ppid;
        gone.exited = true;
        return gone;
    }
    return out;
}

int visit_socket_fds(pid_t pid, const SocketVisitor& visit) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", pid);
    return as_reader(reader_for(read_small_file(path)), [&] {
        return for_each_fd_link(pid, [&](const char* name, std::string_view target) {
            const unsigned long inode = parse_socket_link(target);
            const auto protocol = [&] {
                char link[32 + sizeof dirent::d_name], proto[32];
                std::snprintf(link, sizeof link, "/proc/%d/fd/%s", pid, name);
                const ssize_t len = ::getxattr(link, "system.sockprotoname", proto, sizeof proto);
                return len > 0 ? std::string(proto, ::strnlen(proto, static_cast<std::size_t>(len))) : std::string();
            };
            return inode == 0 || visit(inode, protocol);
        });
    });
}

std::vector<ProcessSockets> read_tree_sockets(pid_t root) {
    std::vector<ProcessSockets> out;
    for (const auto& [pid, ppid] : list_descendants_with_parents(root)) out.push_back(read_process_sockets(pid, ppid));
    return out;
}

}  // namespace sdshim
