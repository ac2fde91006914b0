// Includes Boost.Process v2 (Boost 1.81) with Boost.Filesystem's path, adding what its headers forget.
#pragma once

// Not BOOST_PROCESS_USE_STD_FS: std::filesystem::path links libstdc++'s fs_path.o, whose wchar_t
// conversions set up all of std::locale at start (64-68 kB of PID 1's RSS). Boost.Filesystem's path
// is header-only for what the launch uses (construct, c_str), so no library is linked.
// With BOOST_ASIO_DISABLE_THREADS (one thread; no Asio thread machinery in the binary) the launcher's
// asio::detail::throw_error is no longer declared by the headers it does include.
#include <boost/asio/detail/throw_error.hpp>

#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/process.hpp>
