// Includes Boost.Process v2 (Boost 1.81) with Boost.Filesystem's path, adding what its headers forget.
#pragma once

// With BOOST_ASIO_DISABLE_THREADS (one thread; no Asio thread machinery in the binary) the launcher's
// asio::detail::throw_error is no longer declared by the headers it does include.
#include <boost/asio/detail/throw_error.hpp>

#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/process.hpp>
