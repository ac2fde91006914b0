// Starts the server with Boost.Process v2 and reports an exec failure precisely.
#include "launch/launch.hpp"

#include "launch/child_setup.hpp"

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace sdshim {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::size_t kPidDigits = 12;

const char* find_path_value(const std::vector<std::string>& env) {
    for (const auto& kv : env)
        if (kv.rfind("PATH=", 0) == 0) return kv.c_str() + 5;
    return nullptr;
}

}  // namespace

std::string resolve_program(const std::string& program, const char* path_value) {
    if (program.find('/') != std::string::npos) return program;
    std::string path = path_value ? path_value : kDefaultPath;
    std::string fallback;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
            if (fallback.empty()) fallback = candidate;
        }
        start = end + 1;
    }
    return fallback;
}

Result<pid_t> launch(const LaunchSpec& spec) {
    const std::string& program = spec.argv.at(0);
    std::string executable = resolve_program(program, find_path_value(spec.env));
    if (executable.empty())
        return Error{"cannot run '" + program + "': not found in PATH (" +
                         std::string(find_path_value(spec.env) ? find_path_value(spec.env) : kDefaultPath) + ")",
                     ENOENT};

    // Own copies of argv and env in one place: the child only reads them (and writes its pid).
    std::vector<std::string> env = spec.env;
    std::size_t pid_index = env.size();
    if (!spec.pid_variable.empty()) {
        env.push_back(spec.pid_variable + "=" + std::string(kPidDigits, '0'));
        pid_index = env.size() - 1;
    }
    std::vector<const char*> envp;
    for (const auto& kv : env) envp.push_back(kv.c_str());
    envp.push_back(nullptr);
    std::vector<const char*> argv;
    for (const auto& a : spec.argv) argv.push_back(a.c_str());
    argv.push_back(nullptr);

    ChildSetup setup;
    setup.own_process_group = spec.own_process_group;
    setup.take_terminal = spec.take_terminal;
    setup.output_fd = spec.output_fd;
    setup.pass_fds = spec.pass_fds.data();
    setup.pass_fd_count = spec.pass_fds.size();
    if (pid_index < env.size()) {
        setup.pid_slot = env[pid_index].data() + spec.pid_variable.size() + 1;
        setup.pid_slot_size = kPidDigits + 1;
    }

    bp::error_code ec;
    const char** argv_ptr = argv.data();
    std::optional<bp::posix::default_launcher> launcher;
    int thrown = 0;
    try {
        boost::asio::io_context ctx;  // only for the launcher's fork notifications; no I/O runs on it
        launcher.emplace();
        launcher->env = envp.data();
        auto proc = (*launcher)(ctx.get_executor(), ec, bp::filesystem::path(executable), argv_ptr, setup);
        if (!ec) proc.detach();  // the shim reaps with waitpid(-1) itself
    } catch (const boost::system::system_error& e) {
        thrown = e.code().value();
    } catch (const std::bad_alloc&) {
        thrown = ENOMEM;
    }
    // Out of memory or fds for Asio's parts: before the fork, nothing was started; after it, only the
    // process handle (a pidfd in an epoll set) is missing, and the shim reaps without it.
    if (thrown != 0 && (!launcher || launcher->pid <= 0))
        return Error{fmt::format("cannot start '{}': {}", executable, std::strerror(thrown)), thrown};
    if (!ec) return launcher->pid;
    const int err = ec.value();
    if (launcher->pid <= 0)  // no child: the report pipe or fork() failed
        return Error{fmt::format("cannot start '{}': {}{}", executable, std::strerror(err),
                                 err == EAGAIN ? " (fork: the process limit is reached, RLIMIT_NPROC or the "
                                                 "container's pids limit)"
                                               : ""),
                     err};
    int status = 0;  // the child ran and exec failed: collect it before anyone else can
    while (::waitpid(launcher->pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error{fmt::format("cannot execute '{}': {}", executable, std::strerror(err)), err};
}

}  // namespace sdshim
