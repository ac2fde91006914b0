// spdlog's compiled parts, built once here (SPDLOG_COMPILED_LIB): Debian ships spdlog only as a shared library, and
// header-only mode compiled the logger again in every file that logs.
// Only what the shim's one logger and its sink use, not the registry (see base/log.hpp). The
// logger's set_pattern() needs the pattern formatter; the release link drops both, unused.
#include <spdlog/common-inl.h>
#include <spdlog/details/backtracer-inl.h>
#include <spdlog/details/log_msg-inl.h>
#include <spdlog/details/log_msg_buffer-inl.h>
#include <spdlog/details/os-inl.h>
#include <spdlog/logger-inl.h>
#include <spdlog/pattern_formatter-inl.h>
#include <spdlog/sinks/sink-inl.h>
