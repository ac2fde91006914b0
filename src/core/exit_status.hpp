// Turns the main child's wait status into the shim's exit code.
#pragma once

#include <string>
#include <vector>

namespace sdshim {

inline constexpr int kExitUsage = 2;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

// The child's code, or 128+N when signal N killed it; codes listed in success_exit become 0.
int exit_code_from_status(int wait_status, const std::vector<int>& success_exit);
// "exited with code 7", "killed by SIGTERM", "killed by SIGSEGV (core dumped)".
std::string describe_status(int wait_status);
// 127 when the program does not exist, 126 for every other reason it cannot be executed.
int exit_code_for_exec_error(int err);

}  // namespace sdshim
