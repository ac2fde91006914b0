// Unit tests: the net module's unix addresses and address printing, and the Result type.
#include "base/net.hpp"
#include "base/result.hpp"
#include "base/shortage.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstring>
#include <string>

using namespace sdshim;

TEST_CASE("net: unix paths and @abstract names, as sd_notify() reads them") {
    auto path = unix_address("/run/app.sock");
    REQUIRE(path.ok());
    CHECK(path->un().sun_family == AF_UNIX);
    CHECK(std::string(path->un().sun_path) == "/run/app.sock");
    CHECK(path->len == offsetof(sockaddr_un, sun_path) + 14);  // with the trailing NUL

    auto abstract = unix_address("@sdshim/x");
    REQUIRE(abstract.ok());
    CHECK(abstract->un().sun_path[0] == '\0');
    CHECK(std::string(abstract->un().sun_path + 1, 8) == "sdshim/x");
    CHECK(abstract->len == offsetof(sockaddr_un, sun_path) + 9);  // no trailing NUL

    CHECK(unix_address(std::string(kMaxUnixPath, '/')).ok());
    CHECK(unix_address("/" + std::string(kMaxUnixPath, 'a')).message() == "the path is longer than 107 bytes");
    CHECK(unix_address(std::string("/a\0b", 4)).message() == "the path holds a NUL");
    CHECK(unix_address("relative").message() == "expected /PATH or @NAME");
    CHECK(unix_address("").message() == "expected /PATH or @NAME");
}

TEST_CASE("net: addresses print as log lines and nginx's listen want them") {
    sockaddr_storage ss{};
    auto& in = reinterpret_cast<sockaddr_in&>(ss);
    in.sin_family = AF_INET;
    in.sin_port = htons(8080);
    ::inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    CHECK(format_address(ss, sizeof in) == "127.0.0.1:8080");

    sockaddr_storage ss6{};
    auto& in6 = reinterpret_cast<sockaddr_in6&>(ss6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(443);
    in6.sin6_addr = in6addr_any;
    CHECK(format_address(ss6, sizeof in6) == "[::]:443");

    auto path = unix_address("/run/app.sock");
    CHECK(format_address(path->addr, path->len) == "/run/app.sock");
    auto abstract = unix_address("@name");
    CHECK(format_address(abstract->addr, abstract->len) == "@name");
    sockaddr_storage unnamed{};
    unnamed.ss_family = AF_UNIX;
    CHECK(format_address(unnamed, offsetof(sockaddr_un, sun_path)) == "(unnamed)");
}

TEST_CASE("net: a connect to an address nobody listens on fails with ECONNREFUSED") {
    auto address = unix_address("@sdshim-test/nobody-listens-here");
    UniqueFd fd;
    const auto started = start_connect(*address, fd);
    REQUIRE_FALSE(started);
    CHECK(started.error().code == ECONNREFUSED);
    CHECK(started.message() == std::string("connect: ") + std::strerror(ECONNREFUSED));
}

TEST_CASE("result: a value or one error line, and Status for no value") {
    Result<int> good = 7;
    REQUIRE(good.ok());
    CHECK(*good == 7);
    Result<int> bad = Error{"NOTIFY_SOCKET='x': expected an absolute path", 22};
    CHECK_FALSE(bad.ok());
    CHECK(bad.message() == "NOTIFY_SOCKET='x': expected an absolute path");
    CHECK(bad.error().code == 22);
    Status fine;
    CHECK(fine.ok());
    Status failed = Error{"no"};
    CHECK_FALSE(failed);
    CHECK(failed.message() == "no");
}

TEST_CASE("one shortage test: fds, memory, buffers and processes, nothing else") {
    for (int err : {EMFILE, ENFILE, ENOMEM, ENOBUFS, EAGAIN}) CHECK(sdshim::is_shortage(err));
    for (int err : {0, EACCES, ENOENT, ECONNREFUSED, EINVAL, ENOEXEC, EPERM}) CHECK_FALSE(sdshim::is_shortage(err));
}
