// What the shim takes in when it starts, before anything is decided: LISTEN_* and the fds it names
// (closing what no variable names), and its environment.
#pragma once

#include "base/result.hpp"
#include "plan/run_plan.hpp"

namespace sdshim {

// The error is one line to log; a usage error (exit 2).
Result<RunInputs> take_inputs(const char* const* environment);

}  // namespace sdshim
