// Static release only: __cxa_demangle without libstdc++'s demangler (47 KB of a 1 MiB binary).
// Its one caller here is the verbose terminate handler, which then prints an uncaught exception's
// type name mangled ("N5boost6system12system_errorE"; `c++filt -t` reads it back). main() catches
// every std::exception, so that message needs an exception that escaped a noexcept function. The
// sanitizer builds keep the real one: their reports demangle through it.
#include <cxxabi.h>

#include <cstddef>

char* __cxxabiv1::__cxa_demangle(const char*, char*, std::size_t*, int* status) {
    if (status) *status = -2;  // "not a valid name under the C++ ABI mangling rules": printed as is
    return nullptr;
}
