// Unit tests: the bridge's pump over real loopback TCP connections: bytes arrive whole and in order,
// a slow reader is never buffered beyond one pipe load, FIN is passed on once the pipe is empty, a
// reader that is gone ends the flow, and emptied pipes are reused.
#include "base/unique_fd.hpp"
#include "bridge/pump.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

using namespace sdshim;

namespace {

// Both ends of one loopback TCP connection, non-blocking.
struct TcpPair {
    UniqueFd a, b;
    TcpPair() {
        UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0);
        REQUIRE(::listen(listener.get(), 1) == 0);
        REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        a.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(::connect(a.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0);
        b.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        REQUIRE(b);
        for (int fd : {a.get(), b.get()}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// Writes what the socket takes now; returns how much.
std::size_t write_some(int fd, const std::string& data, std::size_t from) {
    std::size_t done = from;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done - from;
}

std::string read_some(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

int pipe_capacity(const Flow& f) { return ::fcntl(f.pipe.r.get(), F_GETPIPE_SZ); }

}  // namespace

TEST_CASE("pump: bytes from one connection arrive on the other, whole and in order, the pipe goes back to the pool") {
    TcpPair client, server;  // client.a -> [client.b  pump  server.a] -> server.b
    PipePool pool;
    Flow f;
    const std::string data = pattern(100000);
    REQUIRE(write_some(client.a.get(), data, 0) == data.size());
    std::string got;
    for (int i = 0; i < 1000 && got.size() < data.size(); ++i) {
        REQUIRE(pump(f, pool, client.b.get(), server.a.get(), true));
        got += read_some(server.b.get());
    }
    REQUIRE(got.size() == data.size());
    CHECK(got.compare(data) == 0);
    CHECK(f.pipe_bytes == 0);
    CHECK_FALSE(f.pipe.r);
    CHECK(pool.spare() == 1);
    CHECK_FALSE(f.eof);
}

TEST_CASE("pump: a reader that does not read leaves at most one pipe load in the shim, and gets all of it later") {
    TcpPair client, server;
    PipePool pool;
    Flow f;
    // More than the kernel's socket buffers on both sides can hold (loopback: a few MiB each).
    const std::string data = pattern(64 * 1024 * 1024);
    std::size_t written = 0;
    // The server side reads nothing: once its buffers are full the pump holds one pipe load and
    // stops reading the client, whose writes then stall in TCP, not in the shim.
    std::size_t stalled_rounds = 0;
    for (int i = 0; i < 100000 && stalled_rounds < 50; ++i) {
        const std::size_t w = write_some(client.a.get(), data, written);
        written += w;
        REQUIRE(pump(f, pool, client.b.get(), server.a.get(), true));
        if (f.pipe.r) REQUIRE(f.pipe_bytes <= pipe_capacity(f));
        stalled_rounds = w == 0 && f.pipe_bytes > 0 ? stalled_rounds + 1 : 0;
    }
    REQUIRE(stalled_rounds == 50);
    CHECK(written < data.size());
    // Now the reader reads: everything written and the rest arrive, in order.
    std::string got;
    got.reserve(data.size());
    for (long i = 0; i < 10'000'000 && got.size() < data.size(); ++i) {
        written += write_some(client.a.get(), data, written);
        REQUIRE(pump(f, pool, client.b.get(), server.a.get(), true));
        got += read_some(server.b.get());
    }
    REQUIRE(got.size() == data.size());
    CHECK(got.compare(data) == 0);  // (not got == data: a failure would print 64 MiB)
}

TEST_CASE("pump: without may_read nothing is read, and no pipe is taken") {
    TcpPair client, server;
    PipePool pool;
    Flow f;
    REQUIRE(write_some(client.a.get(), "hello", 0) == 5);
    REQUIRE(pump(f, pool, client.b.get(), server.a.get(), false));
    CHECK(read_some(server.b.get()).empty());
    CHECK_FALSE(f.pipe.r);
    REQUIRE(pump(f, pool, client.b.get(), server.a.get(), true));
    std::string got;
    for (int i = 0; i < 1000 && got.size() < 5; ++i) got += read_some(server.b.get());
    CHECK(got == "hello");
}

TEST_CASE("pump: the client's FIN reaches the server once the pipe is empty") {
    TcpPair client, server;
    PipePool pool;
    Flow f;
    REQUIRE(write_some(client.a.get(), "last words", 0) == 10);
    REQUIRE(::shutdown(client.a.get(), SHUT_WR) == 0);
    std::string got;
    for (int i = 0; i < 1000 && !f.shut; ++i) {
        REQUIRE(pump(f, pool, client.b.get(), server.a.get(), true));
        got += read_some(server.b.get());
    }
    CHECK(f.eof);
    CHECK(f.shut);
    got += read_some(server.b.get());
    CHECK(got == "last words");
    char c;
    CHECK(::read(server.b.get(), &c, 1) == 0);  // end of stream, not EAGAIN
}

TEST_CASE("pump: a reader that is gone ends the flow") {
    ::signal(SIGPIPE, SIG_IGN);  // the shim blocks it (signalfd); here the error is what counts
    TcpPair client, server;
    PipePool pool;
    Flow f;
    server.b.reset();  // the server closed its end
    const std::string data = pattern(1 << 20);
    bool ended = false;
    std::size_t written = 0;
    for (int i = 0; i < 1000 && !ended; ++i) {
        written += write_some(client.a.get(), data, written);
        ended = !pump(f, pool, client.b.get(), server.a.get(), true);
    }
    CHECK(ended);
    // A pipe that still holds bytes is never reused.
    pool.give_back(f);
    CHECK(pool.spare() == 0);
    ::signal(SIGPIPE, SIG_DFL);
}
