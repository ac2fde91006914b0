// Signals every process the shim is responsible for: the whole pid namespace as PID 1, else its descendants.
#include "proc/process_tree.hpp"

#include "base/proc_text.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace sdshim {
namespace {

// The fields of /proc/<pid>/stat after the ")" that closes the command name; state 0 and ids -1
// for a process that is gone.
struct Stat {
    char state = 0;
    pid_t ppid = -1;
    pid_t pgrp = -1;
};
Stat read_stat(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    const std::string stat = read_small_file(path);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return {};
    FieldReader fields(std::string_view(stat).substr(close + 1));
    const auto state = fields.next();
    if (!state || state->empty()) return {};
    Stat out;
    out.state = state->front();
    out.ppid = fields.number<pid_t>().value_or(-1);
    out.pgrp = fields.number<pid_t>().value_or(-1);
    return out;
}

pid_t read_ppid(pid_t pid) { return read_stat(pid).ppid; }

bool is_stopped(char state) { return state == 'T' || state == 't'; }

}  // namespace

std::vector<std::pair<pid_t, pid_t>> list_descendants_with_parents(pid_t root) {
    std::multimap<pid_t, pid_t> children;
    if (DIR* dir = ::opendir("/proc")) {
        while (dirent* ent = ::readdir(dir)) {
            char* end = nullptr;
            long pid = std::strtol(ent->d_name, &end, 10);
            if (*end != '\0' || pid <= 0) continue;
            pid_t ppid = read_ppid(static_cast<pid_t>(pid));
            if (ppid > 0) children.emplace(ppid, static_cast<pid_t>(pid));
        }
        ::closedir(dir);
    }
    std::vector<std::pair<pid_t, pid_t>> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty()) {
        pid_t parent = todo.back();
        todo.pop_back();
        auto [first, last] = children.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            out.emplace_back(it->second, parent);
            todo.push_back(it->second);
        }
    }
    return out;
}

std::vector<pid_t> list_descendants(pid_t root) {
    std::vector<pid_t> out;
    for (const auto& [pid, ppid] : list_descendants_with_parents(root)) out.push_back(pid);
    return out;
}

bool is_in_tree(pid_t pid, pid_t ancestor) {
    for (int depth = 0; depth < 4096 && pid > 0; ++depth) {
        if (pid == ancestor) return true;
        pid = read_ppid(pid);
    }
    return false;
}

int signal_all_processes(int sig) {
    if (::getpid() == 1) return ::kill(-1, sig) == 0 ? 1 : 0;
    int count = 0;
    for (pid_t pid : list_descendants(::getpid()))
        if (::kill(pid, sig) == 0) ++count;
    return count;
}

bool target_is_stopped(pid_t pid, bool whole_group) {
    if (!whole_group) return is_stopped(read_stat(pid).state);
    for (pid_t member : list_descendants(::getpid())) {
        const auto s = read_stat(member);
        if (s.pgrp == pid && is_stopped(s.state)) return true;
    }
    return false;
}

int continue_stopped_processes() {
    int count = 0;
    for (pid_t pid : list_descendants(::getpid()))
        if (is_stopped(read_stat(pid).state) && ::kill(pid, SIGCONT) == 0) ++count;
    return count;
}

}  // namespace sdshim
