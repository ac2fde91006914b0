// Includes Boost.Process v2 (Boost 1.81) with std::filesystem, adding what its headers forget.
#pragma once

// With BOOST_PROCESS_USE_STD_FS, 1.81's config.hpp names boost::optional and default_launcher.hpp
// names an unqualified `decay` without including either.
#include <boost/optional.hpp>
#include <boost/type_traits/decay.hpp>
// With BOOST_ASIO_DISABLE_THREADS (one thread; no Asio thread machinery in the binary) the launcher's
// asio::detail::throw_error is no longer declared by the headers it does include.
#include <boost/asio/detail/throw_error.hpp>

#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/process.hpp>
